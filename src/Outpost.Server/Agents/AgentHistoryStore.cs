using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Connections;
using Outpost.Server.Database;

namespace Outpost.Server.Agents;

/// <summary>Reads of what the agent API recorded: control-plane connections, lifecycle history, logs.</summary>
internal sealed class AgentHistoryStore(NpgsqlDataSource dataSource, ConnectionLogStore connectionLog)
{
    /// <summary>The owner of the agent's workspace, or null when there is no such agent.</summary>
    public async Task<Guid?> OwnerOfAsync(Guid agentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.owner_id FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id JOIN workspaces w ON w.id = b.workspace_id WHERE a.id = $1
            """);
        command.With(agentId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as Guid?;
    }

    public Task<List<ControlPlaneConnection>> ConnectionsAsync(Guid agentId, CancellationToken cancellationToken) =>
        connectionLog.ControlPlaneConnectionsAsync(agentId, cancellationToken);

    /// <summary>The agent's workspace and its owner, or null when there is no such agent.</summary>
    public async Task<(Guid WorkspaceId, Guid OwnerId)?> WorkspaceOfAsync(Guid agentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.id, w.owner_id FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id JOIN workspaces w ON w.id = b.workspace_id WHERE a.id = $1
            """);
        command.With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetGuid(0), reader.GetGuid(1)) : null;
    }

    public Task<List<AgentLifecycleEvent>> LifecycleAsync(Guid agentId, CancellationToken cancellationToken) => ReadAsync(
        "SELECT state, changed_at, received_at FROM agent_lifecycle_events WHERE agent_id = $1 ORDER BY changed_at, id",
        [agentId],
        static r => new AgentLifecycleEvent
        {
            State = WireName<AgentLifecycleState>.Parse(r.GetString(0)),
            ChangedAt = r.GetFieldValue<DateTimeOffset>(1),
            ReceivedAt = r.GetFieldValue<DateTimeOffset>(2),
        },
        cancellationToken);

    public Task<List<AgentLogEntry>> LogsAsync(Guid agentId, long after, int limit, CancellationToken cancellationToken) => ReadAsync(
        "SELECT id, created_at, level, source, output FROM agent_logs WHERE agent_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        [agentId, after, limit],
        static r => new AgentLogEntry
        {
            Id = r.GetInt64(0),
            CreatedAt = r.GetFieldValue<DateTimeOffset>(1),
            Level = WireName<ProvisionerLogLevel>.Parse(r.GetString(2)),
            Source = r.GetString(3),
            Output = r.GetString(4),
        },
        cancellationToken);

    private async Task<List<T>> ReadAsync<T>(string sql, object[] values, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.With(value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
