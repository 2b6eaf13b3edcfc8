using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Server.Agents;
using Outpost.Server.Connections;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>Heartbeats are written in one statement per flush, and a late flush never moves <c>last_connected_at</c> back.</summary>
public sealed class HeartbeatWriterTests(AgentApiFixture server) : IClassFixture<AgentApiFixture>
{
    [Fact]
    public async Task One_flush_writes_every_pending_heartbeat_and_an_older_one_does_not_move_the_time_back()
    {
        var first = await AgentSeed.CreateAsync(server.ConnectionString);
        var second = await AgentSeed.CreateAsync(server.ConnectionString);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(server.ConnectionString);
        var store = new AgentStore(dataSource, new ConnectionLogStore(dataSource));
        using var writer = new HeartbeatWriter(store, new AgentApiOptions(), server.Clock, NullLoggerFactory.Instance);
        // Whole seconds: PostgreSQL keeps microseconds.
        var at = DateTimeOffset.FromUnixTimeSeconds(server.Clock.GetUtcNow().ToUnixTimeSeconds());

        writer.Record(first.AgentId, at.AddSeconds(5));
        writer.Record(first.AgentId, at.AddSeconds(3));
        writer.Record(second.AgentId, at.AddSeconds(7));
        await writer.FlushAsync(CancellationToken.None).WithTimeout();

        Assert.Equal(0, writer.PendingCount);
        Assert.Equal(at.AddSeconds(5), await LastConnectedAsync(store, first.AgentId));
        Assert.Equal(at.AddSeconds(7), await LastConnectedAsync(store, second.AgentId));

        writer.Record(first.AgentId, at.AddSeconds(1));
        await writer.FlushAsync(CancellationToken.None).WithTimeout();
        Assert.Equal(at.AddSeconds(5), await LastConnectedAsync(store, first.AgentId));
    }

    private static async Task<DateTimeOffset?> LastConnectedAsync(AgentStore store, Guid agentId) =>
        (await store.FindAsync(agentId, CancellationToken.None).WithTimeout())!.Value.Agent.LastConnectedAt;
}
