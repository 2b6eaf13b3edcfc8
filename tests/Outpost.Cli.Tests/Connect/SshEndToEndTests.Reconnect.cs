using System.Net;
using System.Net.Sockets;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

public sealed partial class SshEndToEndTests
{
    [Fact]
    public async Task An_interactive_terminal_survives_a_severed_connection_and_replays_what_it_missed()
    {
        using var direct = await ConnectTesting.CreateWorkspaceAsync(server, "rcdev");
        await using var proxy = CuttableProxy.Start(server.BaseAddress);
        using var proxied = new TestCli();

        // Through the proxy only: a direct connection to the agent would not pass the cut.
        proxied.Environment[Outpost.Cli.Connect.AgentConnector.DisableDirectVariable] = "1";
        var login = await proxied.RunAsync("login", proxy.Address.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.True(login.ExitCode == 0, login.Stderr);

        // stdin is not a terminal here, so the interactive mode leaves the local terminal alone; the agent's PTY still echoes.
        await using var ssh = OutpostProcess.Start(["ssh", "rcdev"], proxied.Environment);
        var fifo = $"/tmp/outpost-rc-{Guid.NewGuid():N}";
        await ssh.WriteInputAsync($"mkfifo {fifo}-out {fifo}-done && echo READY-$((1+1))\n");
        await ssh.WaitForLineAsync(l => l.Contains("READY-2", StringComparison.Ordinal));
        // The shell blocks in cat until the other session writes; the terminal's echo of the line says the shell has it.
        await ssh.WriteInputAsync($"cat {fifo}-out; echo done > {fifo}-done\n");
        await ssh.WaitForLineAsync(l => l.Contains("echo done >", StringComparison.Ordinal));

        proxy.Cut();
        await ssh.WaitForLineAsync(l => l.Contains("connection lost", StringComparison.Ordinal));

        // While the client is away, the terminal prints (the writer returns only after the terminal's cat has finished).
        var writer = await OutpostProcess.RunAsync(["ssh", "rcdev", "--", "sh", "-c", $"echo MISSED-$((40+2)) > {fifo}-out; cat {fifo}-done; rm -f {fifo}-out {fifo}-done"], direct.Environment);
        Assert.True(writer.ExitCode == 0, writer.Stderr);
        Assert.Equal("done", writer.Stdout.Trim());
        Assert.DoesNotContain("MISSED-42", ssh.StandardOutput, StringComparison.Ordinal);

        proxy.Resume();
        await ssh.WaitForLineAsync(l => l.Contains("reconnected to the same terminal", StringComparison.Ordinal));
        await ssh.WaitForLineAsync(l => l.Contains("MISSED-42", StringComparison.Ordinal));
        Assert.Contains("outpost: reconnected to the same terminal", ssh.StandardError, StringComparison.Ordinal);

        await ssh.WriteInputAsync("exit 5\n");
        Assert.Equal(5, await ssh.WaitForExitAsync());

        // Three sessions of outpost ssh: the terminal's first connection (cut: the relay saw the client's socket break),
        // its reconnection (ended by the shell's exit), and the writer's exec.
        var sessions = await ConnectTesting.ConnectionsAsync(direct, ["rcdev", "--type", "ssh"]);
        Assert.Equal(3, sessions.Count);
        var cut = Assert.Single(sessions, s => s.DisconnectReason == "network_error");
        Assert.Equal(("network", false, null), (cut.DisconnectInitiator, cut.DisconnectExpected, cut.ExitCode));
        Assert.Equal([0, 5], sessions.Where(s => s.DisconnectReason == "graceful").Select(s => s.ExitCode ?? -1).Order());
    }

    /// <summary>
    /// A TCP forwarder to the server that a test can cut: <see cref="Cut"/> resets every connection through it and holds
    /// new ones (accepted, not forwarded) until <see cref="Resume"/>.
    /// </summary>
    private sealed class CuttableProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Uri _upstream;
        private readonly List<Socket> _sockets = [];
        private readonly Lock _gate = new();
        private readonly CancellationTokenSource _stop = new();
        private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _accepting = Task.CompletedTask;

        private CuttableProxy(Uri upstream)
        {
            _upstream = upstream;
            _open.SetResult();
        }

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public static CuttableProxy Start(Uri upstream)
        {
            var proxy = new CuttableProxy(upstream);
            proxy._listener.Start();
            proxy._accepting = proxy.AcceptAsync();
            return proxy;
        }

        public void Cut()
        {
            lock (_gate)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                foreach (var socket in _sockets)
                {
                    Reset(socket);
                }

                _sockets.Clear();
            }
        }

        public void Resume()
        {
            lock (_gate)
            {
                _open.TrySetResult();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            Resume();
            Cut();
            await _accepting.WaitAsync(TestTimeouts.Default);
            _stop.Dispose();
        }

        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
                // Closed already.
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptSocketAsync(_stop.Token);
                    _ = ForwardAsync(client);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private async Task ForwardAsync(Socket client)
        {
            Task open;
            lock (_gate)
            {
                _sockets.Add(client);
                open = _open.Task;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await open.WaitAsync(_stop.Token);
                await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
                lock (_gate)
                {
                    _sockets.Add(upstream);
                }

                await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Cut or stopped.
            }
            finally
            {
                Reset(client);
                Reset(upstream);
            }
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (await from.ReceiveAsync(buffer, SocketFlags.None) is var count and > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Cut.
            }
        }
    }
}
