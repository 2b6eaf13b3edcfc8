using System.Globalization;
using System.Security.Cryptography;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>
/// Issue 16 end to end with the real OpenSSH client and server: a private <c>sshd</c> started inside a local
/// workspace, reached by <c>ssh</c>, <c>scp</c> and <c>ssh -L</c> through <c>outpost ssh --stdio</c> as the
/// ProxyCommand that <c>outpost config-ssh</c> writes.
/// </summary>
public sealed class OpenSshEndToEndTests(OpenSshFixture server) : IClassFixture<OpenSshFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenSsh_runs_a_command_copies_10_MB_and_forwards_a_port_through_outpost_ssh_stdio(bool direct)
    {
        var path = direct ? "direct" : "relay";
        var name = "ssh" + path;
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, name, direct);
        using var openSsh = await OpenSsh.CreateAsync(server.SshPort, cli.Environment);
        var port = server.SshPort.ToString(CultureInfo.InvariantCulture);

        // No SSH server yet: one line on stderr saying so, nothing on stdout (it belongs to ssh).
        var none = await OutpostProcess.RunAsync(["ssh", "--stdio", name], cli.Environment);
        Assert.Equal((1, string.Empty), (none.ExitCode, none.Stdout));
        Assert.Equal($"error: no SSH server listens inside the workspace (port {port}: connection refused)", none.Stderr.Trim());

        // Something on the SSH port that hangs up without greeting.
        await using (var hangUp = OutpostProcess.Start(["ssh", name, "--", "/usr/bin/python3", "-u", "-c",
            $"import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', {port})); s.listen(); print('listening'); s.accept()[0].close()"], cli.Environment))
        {
            await hangUp.WaitForLineAsync(l => l == "listening");
            var refused = await OutpostProcess.RunAsync(["ssh", "--stdio", name], cli.Environment);
            Assert.Equal((1, string.Empty), (refused.ExitCode, refused.Stdout));
            Assert.Equal($"error: the SSH port {port} inside the workspace closed the connection before the server greeted", refused.Stderr.Trim());
            Assert.Equal(0, await hangUp.WaitForExitAsync());
        }

        await using var sshd = OutpostProcess.Start(["ssh", name, "--", OpenSsh.Sshd, "-D", "-e", "-f", openSsh.SshdConfig], cli.Environment);
        var listening = sshd.WaitForLineAsync(l => l.Contains($"Server listening on 127.0.0.1 port {port}", StringComparison.Ordinal));
        await Task.WhenAny(listening, sshd.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.True(listening.IsCompletedSuccessfully, $"sshd did not start: {sshd.StandardError}");
        var config = await OutpostProcess.RunAsync(["config-ssh", "--ssh-config-file", openSsh.ClientConfig, "--yes"], cli.Environment);
        Assert.True(config.ExitCode == 0, config.Stderr);

        var echo = await openSsh.RunAsync("ssh", $"outpost.{name}", "echo ok");
        Assert.True(echo.ExitCode == 0, echo.Stderr + sshd.StandardError);
        Assert.Equal("ok\n", echo.Stdout);

        var data = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);
        var local = Path.Combine(openSsh.Directory, "data.bin");
        var remote = Path.Combine(openSsh.Directory, "remote", "data.bin");
        var back = Path.Combine(openSsh.Directory, "back.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(remote)!);
        await File.WriteAllBytesAsync(local, data);
        var up = await openSsh.RunAsync("scp", "-q", local, $"outpost.{name}:{remote}");
        Assert.True(up.ExitCode == 0, up.Stderr);
        var down = await openSsh.RunAsync("scp", "-q", $"outpost.{name}:{remote}", back);
        Assert.True(down.ExitCode == 0, down.Stderr);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(back)));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(remote)));

        // ssh -L to an HTTP server inside the workspace: the forward is up before the remote command runs.
        var served = ConnectTesting.FreePort();
        var forwarded = ConnectTesting.FreePort();
        await using var http = OutpostProcess.Start(["ssh", name, "--", "/usr/bin/python3", "-u", "-m", "http.server", served.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1"], cli.Environment);
        await http.WaitForLineAsync(l => l.Contains("Serving HTTP", StringComparison.Ordinal));
        using (var forward = openSsh.Start("-o", "ExitOnForwardFailure=yes", "-L", $"{forwarded}:127.0.0.1:{served}", $"outpost.{name}", "echo forwarding; read line; echo closed"))
        {
            await forward.WaitForLineAsync("forwarding");
            using var client = new HttpClient { Timeout = TestTimeouts.Default };
            Assert.Equal("Hello from Outpost\n", await client.GetStringAsync(new Uri($"http://127.0.0.1:{forwarded}/greeting.txt")));
            Assert.True(await forward.CloseInputAndWaitAsync() == 0, forward.Output);
        }

        // Each ssh run was one ssh session in the connection log, on its path; the copies passed the 10 MB each way.
        var rows = await ConnectTesting.ConnectionsAsync(cli, [name, "--type", "ssh"], open: r => r.BytesToAgent < 1024 * 1024 && r.BytesToClient < 1024 * 1024);
        Assert.All(rows, r => Assert.Equal(path, r.Path));
        Assert.Contains(rows, r => r.EndedAt is not null && r.BytesToAgent >= data.Length);
        Assert.Contains(rows, r => r.EndedAt is not null && r.BytesToClient >= data.Length);
        Assert.True(rows.Count(r => r.EndedAt is not null && r.ExitCode is null) >= 6, string.Join('\n', rows));

        var stop = await cli.RunAsync("stop", name, "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        var stopped = await OutpostProcess.RunAsync(["ssh", "--stdio", name], cli.Environment);
        Assert.Equal((ExitCodes.Refused, string.Empty), (stopped.ExitCode, stopped.Stdout));
        Assert.StartsWith($"error: workspace \"{name}\" is stopped", stopped.Stderr.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdio_refuses_a_command_after_it()
    {
        using var cli = new TestCli();
        var run = await cli.RunAsync("ssh", "--stdio", "anything", "--", "ls");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--stdio carries an SSH connection and runs no command", run.Stderr, StringComparison.Ordinal);
    }
}
