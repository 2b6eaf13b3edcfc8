using System.Net;
using System.Net.Sockets;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Agent;

/// <summary>
/// The real <c>outpost server</c> process, its built-in daemons and the real <c>outpost agent</c> they
/// start: the server is killed with SIGKILL and started again, and the agent says so and comes back; or it stays
/// gone, and a SIGTERM still ends the agent (it outlives the server by design, being the workspace).
/// </summary>
public sealed class AgentServerCrashTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("outpost-agent-crash-").FullName;
    private readonly TestCli _cli = new();
    private string _connectionString = string.Empty;
    private int _port;

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync(nameof(AgentServerCrashTests)).WithTimeout();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_killed_server_is_a_network_error_by_the_network_and_the_agent_reconnects_when_it_is_back()
    {
        await CreateWorkspaceThenKillServerAsync();

        var broken = await AgentLogAsync(log => log.Contains("Disconnected from the control plane", StringComparison.Ordinal));
        await using var second = await StartServerAsync();
        var back = await AgentLogAsync(log => log.Contains("Connected to the control plane (connection 2", StringComparison.Ordinal));

        var disconnect = broken.Split('\n').Single(l => l.Contains("Disconnected from the control plane", StringComparison.Ordinal));
        Assert.Contains("disconnect_reason=network_error", disconnect, StringComparison.Ordinal);
        Assert.Contains("disconnect_initiator=network", disconnect, StringComparison.Ordinal);
        Assert.Contains("Manifest re-fetched after reconnecting", await AgentLogAsync(log => log.Contains("Manifest re-fetched", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("connect_type=server_to_agent", back, StringComparison.Ordinal);

        var stop = await _cli.RunAsync("stop", "dev", "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        await AgentLogAsync(log => log.Contains("Agent stopped in lifecycle state off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sigterm_ends_an_agent_whose_server_was_killed()
    {
        await CreateWorkspaceThenKillServerAsync();
        await AgentLogAsync(log => log.Contains("Disconnected from the control plane", StringComparison.Ordinal));
        // The SIGTERM goes where an operator (or the next provisioner) sends it: the pid the provisioner recorded, which
        // leads the agent's process group. In the sandbox that used to be bubblewrap, which died of it and left the agent.
        var agent = Assert.Single(AgentProcesses());
        var leader = ProcessGroup(agent);
        Assert.True(Kill(leader, Term) == 0, $"SIGTERM to the agent's launcher (pid {leader}) failed");

        var stopped = await AgentLogAsync(log => log.Contains("Agent stopped in lifecycle state", StringComparison.Ordinal));
        Assert.Contains("Received SIGTERM", stopped, StringComparison.Ordinal);
        await GoneAsync(agent);
        await GoneAsync(leader);
        Assert.Empty(AgentProcesses());
    }

    [Fact]
    public async Task A_server_restarted_under_an_open_terminal_is_diagnosed_as_expected_once_the_agent_and_the_terminal_came_back()
    {
        var first = await CreateWorkspaceAsync();

        // Through the server's relay: a direct connection to the agent does not pass through the server at all.
        _cli.Environment[Outpost.Cli.Connect.AgentConnector.DisableDirectVariable] = "1";
        await using var ssh = OutpostProcess.Start(["ssh", "dev"], _cli.Environment);
        await ssh.WriteInputAsync("echo READY-$((1+1))\n");
        await ssh.WaitForLineAsync(l => l.Contains("READY-2", StringComparison.Ordinal));

        // A restart: SIGTERM (the server closes its relayed sessions and the agents' connections with server_shutdown), then the same database again.
        await using (first)
        {
            first.Signal(PosixSignalKind.Terminate);
            await first.WaitForExitAsync();
        }

        await using var second = await StartServerAsync();
        await AgentLogAsync(log => log.Contains("Connected to the control plane (connection 2", StringComparison.Ordinal));
        var resumed = await ssh.WaitForLineAsync(l => l.Contains("reconnected to the same terminal", StringComparison.Ordinal)).ContinueWith(t => t.IsCompletedSuccessfully);
        Assert.True(resumed, $"the terminal did not come back:\n{ssh.StandardError}");
        await ssh.WriteInputAsync("echo AGAIN-$((2+2))\n");
        await ssh.WaitForLineAsync(l => l.Contains("AGAIN-4", StringComparison.Ordinal));
        await ssh.WriteInputAsync("exit 3\n");
        Assert.Equal(3, await ssh.WaitForExitAsync());

        var diagnose = await _cli.RunAsync("diagnose", "dev");
        Assert.True(diagnose.ExitCode == 0, diagnose.Stdout + diagnose.Stderr);
        Assert.Matches(@"expected     server       agent main disconnected at (\d\d:){2}\d\d \(server_shutdown, initiated by the server\); it reconnected at (\d\d:){2}\d\d, after [0-9.]+ m?s\n", diagnose.Stdout);
        Assert.Matches(@"expected     server       your ssh session was cut at (\d\d:){2}\d\d because the server restarted; it reconnected at (\d\d:){2}\d\d, after [0-9.]+ m?s\n", diagnose.Stdout);
        Assert.EndsWith("Nothing needs investigating.\n", diagnose.Stdout, StringComparison.Ordinal);
    }

    public Task DisposeAsync()
    {
        // Whatever the test saw, no agent of this test outlives it.
        WorkspaceProcesses.KillUnder(_dataDirectory);
        _cli.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A real server, a workspace whose agent connected to it, and the server killed with SIGKILL.</summary>
    private async Task CreateWorkspaceThenKillServerAsync()
    {
        await using var server = await CreateWorkspaceAsync();
        server.Signal(PosixSignalKind.Kill);
        await server.WaitForExitAsync();
    }

    /// <summary>A real server and a workspace whose agent connected to it.</summary>
    private async Task<OutpostProcess> CreateWorkspaceAsync()
    {
        var server = await StartServerAsync();
        var login = await _cli.RunAsync("login", $"http://127.0.0.1:{_port}", "--first-user-username", "owner", "--first-user-email", "owner@example.com", "--first-user-password", "owner-password-1");
        Assert.True(login.ExitCode == 0, login.Stderr);
        var push = await _cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var create = await _cli.RunAsync("create", "dev", "--template", "local-starter", "--yes", "--wait");
        Assert.True(create.ExitCode == 0, create.Stderr);
        await AgentLogAsync(log => log.Contains("Connected to the control plane (connection 1", StringComparison.Ordinal));
        return server;
    }

    private async Task<OutpostProcess> StartServerAsync()
    {
        var server = OutpostProcess.Start(["server", "--http-address", $"127.0.0.1:{_port}", "--postgres-url", _connectionString, "--data-dir", _dataDirectory]);
        await server.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        return server;
    }

    private const int Term = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The <c>outpost agent</c> processes working in this test's data directory.</summary>
    private List<int> AgentProcesses()
    {
        List<int> found = [];
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
                var cwd = new DirectoryInfo(Path.Combine(entry, "cwd")).LinkTarget;
                if (arguments.Length > 2 && arguments[1].EndsWith("outpost.dll", StringComparison.Ordinal) && arguments[2] == "agent"
                    && cwd is not null && cwd.StartsWith(_dataDirectory, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>The process group of <paramref name="pid"/> (field 5 of /proc/PID/stat, after the command's parentheses).</summary>
    private static int ProcessGroup(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task GoneAsync(int pid)
    {
        // Not our child: no exit event reaches us, so /proc is read until the pid is gone (bounded).
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the agent (pid {pid}) is still running");
            await Task.Delay(100);
        }
    }

    /// <summary>The agent's own log, written by the local provisioner under the server's data directory; read until it shows what is expected.</summary>
    private async Task<string> AgentLogAsync(Func<string, bool> shows)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var file = Directory.Exists(_dataDirectory) ? Directory.GetFiles(_dataDirectory, "main.log", SearchOption.AllDirectories).FirstOrDefault() : null;
            var text = file is null ? string.Empty : await File.ReadAllTextAsync(file);
            if (shows(text))
            {
                return text;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"the agent's log never showed what was expected:\n{text}");
            await Task.Delay(100);
        }
    }
}
