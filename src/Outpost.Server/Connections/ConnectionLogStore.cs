using System.Text;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Connections;
using Outpost.Server.Database;

namespace Outpost.Server.Connections;

/// <summary>A data-plane session as the relay opens it.</summary>
internal sealed record SessionRow(Guid Id, ConnectionType Type, Guid AgentId, Guid WorkspaceId, Guid UserId, string ClientAddress, string Path, DateTimeOffset StartedAt, string? TraceId = null);

/// <summary>How a connection ended, with what passed through it.</summary>
internal sealed record ConnectionEnd(DisconnectReason Reason, DisconnectInitiator Initiator, string Detail, long? BytesToAgent = null, long? BytesToClient = null, int? ExitCode = null);

/// <summary>What a listing asks for; null members do not filter.</summary>
internal sealed record ConnectionLogFilter
{
    public Guid? WorkspaceId { get; init; }

    public Guid? UserId { get; init; }

    public ConnectionType? Type { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public bool OpenOnly { get; init; }

    /// <summary>Only what this user may see: the sessions they opened and the control-plane connections of their workspaces.</summary>
    public Guid? VisibleTo { get; init; }
}

/// <summary>
/// The store of <c>connection_logs</c> (the one place its SQL lives): control-plane connections and relayed sessions.
/// Each open row names this replica and is vouched for by <see cref="HeartbeatAsync"/>; rows whose replica stopped
/// vouching are closed by <see cref="CloseAbandonedAsync"/> on any replica.
/// </summary>
internal sealed class ConnectionLogStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The condition "no newer control-plane connection of agent <c>$1</c> than row <c>$3</c> is open", for the agent
    /// store's disconnect (an agent that reconnected elsewhere is not down). <c>$4</c> is the control-plane type name.
    /// </summary>
    public const string NoNewerOpenControlPlane = """
        NOT EXISTS (
            SELECT 1 FROM connection_logs c
            WHERE c.agent_id = $1 AND c.type = $4 AND c.ended_at IS NULL AND c.id <> $3
              AND c.started_at >= (SELECT started_at FROM connection_logs WHERE id = $3))
        """;

    private const string Columns = """
        c.id, c.type, c.workspace_id, w.name, c.agent_id, a.name, c.user_id, u.username, c.client_address, c.path, c.started_at, c.ended_at,
        c.bytes_to_agent, c.bytes_to_client, c.exit_code, c.disconnect_reason, c.disconnect_expected, c.disconnect_initiator, c.disconnect_detail
        """;

    /// <summary>This process's id in the <c>replica_id</c> column.</summary>
    public Guid ReplicaId { get; } = Guid.NewGuid();

    /// <summary>The statement that opens a control-plane connection's row (for the agent store's batch).</summary>
    public NpgsqlBatchCommand OpenControlPlaneCommand(Guid connectionId, Guid agentId, DateTimeOffset now) => Command("""
        INSERT INTO connection_logs (id, agent_id, workspace_id, type, started_at, replica_id, last_seen_at)
        SELECT $1, $2, b.workspace_id, $3, $4, $5, $4 FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id WHERE a.id = $2
        """, connectionId, agentId, WireName<ConnectionType>.Name(ConnectionType.ControlPlane), now, ReplicaId);

    /// <summary>The statement that closes a row once (a row already closed keeps its first end).</summary>
    public static NpgsqlBatchCommand CloseCommand(Guid id, DateTimeOffset now, ConnectionEnd end) => Command("""
        UPDATE connection_logs SET ended_at = $2, disconnect_reason = $3, disconnect_expected = $4, disconnect_initiator = $5, disconnect_detail = $6,
                                   bytes_to_agent = $7, bytes_to_client = $8, exit_code = $9, last_seen_at = $2
        WHERE id = $1 AND ended_at IS NULL
        """, id, now, end.Reason.LogValue, end.Reason.Expected(), end.Initiator.LogValue, end.Detail, end.BytesToAgent, end.BytesToClient, end.ExitCode);

    public async Task OpenSessionAsync(SessionRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("""
            INSERT INTO connection_logs (id, agent_id, workspace_id, user_id, type, client_address, path, started_at, replica_id, last_seen_at, trace_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $10)
            """, row.Id, row.AgentId, row.WorkspaceId, row.UserId, WireName<ConnectionType>.Name(row.Type), row.ClientAddress, row.Path, row.StartedAt, ReplicaId, row.TraceId));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CloseAsync(Guid id, DateTimeOffset now, ConnectionEnd end, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(CloseCommand(id, now, end));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>This replica still holds its open rows.</summary>
    public async Task HeartbeatAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE connection_logs SET last_seen_at = $2 WHERE replica_id = $1 AND ended_at IS NULL");
        command.With(ReplicaId).With(now);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes open rows of other replicas that nobody vouched for since <paramref name="staleBefore"/>: their replica
    /// stopped without closing them (a crash). They end when they were last seen; returns how many were closed.
    /// </summary>
    public async Task<int> CloseAbandonedAsync(DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE connection_logs SET ended_at = COALESCE(last_seen_at, started_at), disconnect_reason = $3, disconnect_expected = false, disconnect_initiator = $4,
                   disconnect_detail = 'the server replica that held it stopped without closing it (it crashed or lost the database); last seen then'
            WHERE ended_at IS NULL AND replica_id IS DISTINCT FROM $1 AND COALESCE(last_seen_at, started_at) < $2
            """);
        command.With(ReplicaId).With(staleBefore).With(DisconnectReason.ServerShutdown.LogValue).With(DisconnectInitiator.Server.LogValue);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A page, newest first; <paramref name="after"/> is the last id of the previous page.</summary>
    public async Task<List<ConnectionLogEntry>> ListAsync(ConnectionLogFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new StringBuilder($"""
            SELECT {Columns}
            FROM connection_logs c
            JOIN workspace_agents a ON a.id = c.agent_id
            LEFT JOIN workspaces w ON w.id = c.workspace_id
            LEFT JOIN users u ON u.id = c.user_id
            WHERE true
            """);
        await using var command = dataSource.CreateCommand();
        void Where(string condition, object value)
        {
            command.With(value);
            sql.Append(" AND ").Append(condition.Replace("$?", "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        if (filter.WorkspaceId is { } workspace)
        {
            Where("c.workspace_id = $?", workspace);
        }

        if (filter.UserId is { } user)
        {
            Where("c.user_id = $?", user);
        }

        if (filter.Type is { } type)
        {
            Where("c.type = $?", WireName<ConnectionType>.Name(type));
        }

        if (filter.Since is { } since)
        {
            Where("c.started_at >= $?", since);
        }

        if (filter.Until is { } until)
        {
            Where("c.started_at < $?", until);
        }

        if (filter.VisibleTo is { } viewer)
        {
            Where("(c.user_id = $? OR (c.user_id IS NULL AND w.owner_id = $?))", viewer);
        }

        if (filter.OpenOnly)
        {
            sql.Append(" AND c.ended_at IS NULL");
        }

        if (after is { } cursor)
        {
            Where("(c.started_at, c.id) < (SELECT started_at, id FROM connection_logs WHERE id = $?)", cursor);
        }

        command.With(limit);
        sql.Append(" ORDER BY c.started_at DESC, c.id DESC LIMIT $").Append(command.Parameters.Count);
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ConnectionLogEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ConnectionLogEntry
            {
                Id = reader.GetGuid(0),
                Type = WireName<ConnectionType>.Parse(reader.GetString(1)),
                WorkspaceId = reader.GetNullable<Guid>(2),
                WorkspaceName = reader.GetNullableString(3),
                AgentId = reader.GetGuid(4),
                AgentName = reader.GetString(5),
                UserId = reader.GetNullable<Guid>(6),
                Username = reader.GetNullableString(7),
                ClientAddress = reader.GetNullableString(8),
                Path = reader.GetNullableString(9),
                StartedAt = reader.GetFieldValue<DateTimeOffset>(10),
                EndedAt = reader.GetNullable<DateTimeOffset>(11),
                BytesToAgent = reader.GetNullable<long>(12),
                BytesToClient = reader.GetNullable<long>(13),
                ExitCode = reader.GetNullable<int>(14),
                DisconnectReason = reader.GetNullableString(15),
                DisconnectExpected = reader.GetNullable<bool>(16) ?? (reader.IsDBNull(15) ? null : ExpectedOf(reader.GetString(15))),
                DisconnectInitiator = reader.GetNullableString(17),
                DisconnectDetail = reader.GetNullableString(18),
            });
        }

        return rows;
    }

    /// <summary>Every control-plane connection of an agent, oldest first (the agent history's view).</summary>
    public async Task<List<ControlPlaneConnection>> ControlPlaneConnectionsAsync(Guid agentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, started_at, ended_at, disconnect_reason, disconnect_initiator, disconnect_detail FROM connection_logs
            WHERE agent_id = $1 AND type = $2 ORDER BY started_at, id
            """);
        command.With(agentId).With(WireName<ConnectionType>.Name(ConnectionType.ControlPlane));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ControlPlaneConnection>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ControlPlaneConnection
            {
                Id = reader.GetGuid(0),
                ConnectedAt = reader.GetFieldValue<DateTimeOffset>(1),
                EndedAt = reader.GetNullable<DateTimeOffset>(2),
                DisconnectReason = reader.GetNullableString(3),
                DisconnectInitiator = reader.GetNullableString(4),
                DisconnectExpected = reader.IsDBNull(3) ? null : ExpectedOf(reader.GetString(3)),
                DisconnectDetail = reader.GetNullableString(5),
            });
        }

        return rows;
    }

    private static bool ExpectedOf(string reason) => new DisconnectReason(reason == "unknown" ? string.Empty : reason).Expected();

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
