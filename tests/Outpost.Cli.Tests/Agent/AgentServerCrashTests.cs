using System.Net;
using System.Net.Sockets;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Agent;

/// <summary>
/// The real <c>outpost server</c> process, its built-in daemons and the real <c>outpost agent</c> they
/// start: the server is killed with SIGKILL and started again, and the agent says so and comes back.
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
        var url = $"http://127.0.0.1:{_port}";
        await using (var first = await StartServerAsync())
        {
            var login = await _cli.RunAsync("login", url, "--first-user-username", "owner", "--first-user-email", "owner@example.com", "--first-user-password", "owner-password-1");
            Assert.True(login.ExitCode == 0, login.Stderr);
            var push = await _cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
            Assert.True(push.ExitCode == 0, push.Stderr);
            var create = await _cli.RunAsync("create", "dev", "--template", "local-starter", "--yes", "--wait");
            Assert.True(create.ExitCode == 0, create.Stderr);
            await AgentLogAsync(log => log.Contains("Connected to the control plane (connection 1", StringComparison.Ordinal));

            first.Signal(PosixSignalKind.Kill);
            await first.WaitForExitAsync();
        }

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

    public Task DisposeAsync()
    {
        _cli.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<OutpostProcess> StartServerAsync()
    {
        var server = OutpostProcess.Start(["server", "--http-address", $"127.0.0.1:{_port}", "--postgres-url", _connectionString, "--data-dir", _dataDirectory]);
        await server.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        return server;
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
