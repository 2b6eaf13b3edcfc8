using System.Net;
using System.Net.Sockets;
using Outpost.Sdk.Agents;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>
/// A server that stops gracefully and starts again on the same address, with a real agent connected.
/// The stop comes right after the agent's first messages, before its connection is recorded: the race
/// that once left a connection open until the host's 30 s stop timeout.
/// </summary>
public sealed class AgentServerRestartTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("outpost-agent-restart-").FullName;
    private string _connectionString = string.Empty;
    private int _port;

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync(nameof(AgentServerRestartTests)).WithTimeout();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_graceful_server_stop_is_server_shutdown_by_the_server_on_both_sides_and_the_agent_reconnects_to_the_new_server()
    {
        var first = await StartServerAsync();
        var seeded = await AgentSeed.CreateAsync(_connectionString);
        await using var agent = new RunningAgent(first.BaseAddress, seeded.Token);
        await agent.LifecycleAsync(AgentLifecycleState.Ready);
        await agent.Agent.Lifecycle.WhenSentAsync(CancellationToken.None).WithTimeout();

        await first.DisposeAsync();
        var disconnect = await agent.DisconnectedAsync();
        await using var second = await StartServerAsync();

        Assert.True(disconnect.Field("disconnect_reason") == "server_shutdown", disconnect.Message);
        Assert.Equal("server", disconnect.Field("disconnect_initiator"));
        Assert.Equal(true, disconnect.Fields["disconnect_expected"]);
        var connections = await AgentSeed.QueryAsync(_connectionString,
            "SELECT disconnect_reason, disconnect_initiator FROM connection_logs WHERE agent_id = $1 AND ended_at IS NOT NULL", r => (r.GetString(0), r.GetString(1)), seeded.AgentId);
        Assert.Equal([("server_shutdown", "server")], connections);

        await agent.ConnectedAsync(connection: 2);
        await agent.Log.WaitForIdAsync(5017);
        Assert.Equal(AgentLifecycleState.Off, await agent.StopAsync());
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dataDirectory, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<RunningServer> StartServerAsync()
    {
        var options = ServerFixture.CreateOptions(_connectionString, _dataDirectory) with { HttpEndpoint = new IPEndPoint(IPAddress.Loopback, _port) };
        var start = await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();
        return start.Server ?? throw new InvalidOperationException($"The server did not start: {start.Error}");
    }
}
