using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Connections;
using Outpost.Server.Database;

namespace Outpost.Server.Agents;

/// <summary>The store of <c>workspace_agents</c> (and the agent API's tables): recording a build's agents, token lookup, connection bookkeeping, lifecycle history and logs.</summary>
internal sealed class AgentStore(NpgsqlDataSource dataSource, ConnectionLogStore connectionLog)
{
    /// <summary>SHA-256 of an agent token, as stored; presented tokens are hashed the same way to be found.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>
    /// The statement that records one agent of a build (its token only as a hash, its merged
    /// environment only as the envelope <see cref="Secrets.AgentEnvironments"/> made), for the
    /// completing transaction's batch.
    /// </summary>
    public static NpgsqlBatchCommand InsertCommand(
        Guid agentId, Guid buildId, Guid resourceId, ProvisionedAgent agent, byte[]? environmentCiphertext, DateTimeOffset now, byte[]? keptTokenHash = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO workspace_agents (id, build_id, resource_id, name, directory, operating_system, architecture, environment_ciphertext,
                                          scripts, apps, connection_timeout_seconds, auth_token_hash, created_at, auth_instance_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            """);
        foreach (var value in new object[] { agentId, buildId, resourceId, agent.Name, agent.Directory, agent.OperatingSystem, agent.Architecture })
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)environmentCiphertext ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        insert.WithJson(JsonSerializer.Serialize(agent.Scripts.ToList(), OutpostJsonContext.Default.ListAgentScript));
        insert.WithJson(JsonSerializer.Serialize(agent.Apps.ToList(), OutpostJsonContext.Default.ListAgentApp));
        insert.Parameters.Add(new NpgsqlParameter { Value = agent.ConnectionTimeoutSeconds });
        insert.Parameters.Add(new NpgsqlParameter { Value = agent.AuthToken is not null ? Hash(agent.AuthToken) : (object?)keptTokenHash ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)agent.AuthInstanceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return insert;
    }

    /// <summary>
    /// A claim build keeps the prebuilt workspace's running agents (coder-spec §4: claim builds reuse
    /// build 1's agent tokens): the token hashes of the workspace's earlier agents, by agent name, are
    /// taken from their rows (a token names one agent row) for the new build's rows to carry.
    /// </summary>
    public static async Task<Dictionary<string, byte[]>> TakeTokenHashesAsync(NpgsqlTransaction transaction, Guid workspaceId, int buildNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var take = new NpgsqlCommand("""
            WITH old AS (
                SELECT a.id, a.name, a.auth_token_hash FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
                WHERE b.workspace_id = $1 AND b.build_number < $2 AND a.auth_token_hash IS NOT NULL
                FOR UPDATE OF a),
            released AS (UPDATE workspace_agents a SET auth_token_hash = NULL FROM old WHERE a.id = old.id)
            SELECT name, auth_token_hash FROM old
            """, transaction.Connection, transaction);
        take.With(workspaceId).With(buildNumber);
        var hashes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var reader = await take.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hashes[reader.GetString(0)] = reader.GetFieldValue<byte[]>(1);
        }

        return hashes;
    }

    public async Task<AgentRecord?> FindByTokenAsync(string token, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        await using var command = dataSource.CreateCommand("""
            SELECT a.id, a.name, a.build_id, b.workspace_id, w.name, u.username, w.deleted, a.directory,
                   a.environment_variables::text, a.scripts::text, a.apps::text, a.auth_token_hash, w.owner_id, a.environment_ciphertext
            FROM workspace_agents a
            JOIN workspace_builds b ON b.id = a.build_id
            JOIN workspaces w ON w.id = b.workspace_id
            JOIN users u ON u.id = w.owner_id
            WHERE a.auth_token_hash = $1
              -- A token lives for one build: once a newer build has succeeded (a stop, a delete, or
              -- the next start with fresh tokens), the agents of older builds are refused on every
              -- endpoint. While that build runs the agent may still report its shutdown.
              AND NOT EXISTS (
                  SELECT 1 FROM workspace_builds nb JOIN provisioner_jobs nj ON nj.id = nb.job_id
                  WHERE nb.workspace_id = b.workspace_id AND nb.build_number > b.build_number AND nj.job_status = 'succeeded')
            """);
        command.With(hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        // The index found the row by hash; comparing in constant time as well costs nothing and keeps
        // the check honest if the lookup ever changes.
        if (!CryptographicOperations.FixedTimeEquals(hash, reader.GetFieldValue<byte[]>(11)))
        {
            return null;
        }

        return new AgentRecord
        {
            Id = reader.GetGuid(0),
            Name = reader.GetString(1),
            BuildId = reader.GetGuid(2),
            WorkspaceId = reader.GetGuid(3),
            WorkspaceName = reader.GetString(4),
            OwnerName = reader.GetString(5),
            WorkspaceDeleted = reader.GetBoolean(6),
            Directory = reader.GetString(7),
            EnvironmentJson = reader.GetNullableString(8),
            EnvironmentCiphertext = reader.IsDBNull(13) ? null : reader.GetFieldValue<byte[]>(13),
            ScriptsJson = reader.GetString(9),
            AppsJson = reader.GetString(10),
            OwnerId = reader.GetGuid(12),
        };
    }

    /// <summary>Records a new control-plane connection: its connection-log row, and the agent's first and last connection times.</summary>
    public async Task ConnectedAsync(Guid agentId, Guid connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(CommandExtensions.Batch("""
            UPDATE workspace_agents SET first_connected_at = COALESCE(first_connected_at, $2), last_connected_at = $2 WHERE id = $1
            """, agentId, now));
        batch.BatchCommands.Add(connectionLog.OpenControlPlaneCommand(connectionId, agentId, now));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Heartbeats of many agents in one statement (<see cref="HeartbeatWriter"/>); a time never moves back.</summary>
    public async Task HeartbeatsAsync(IReadOnlyList<KeyValuePair<Guid, DateTimeOffset>> heartbeats, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE workspace_agents a SET last_connected_at = h.at
            FROM unnest($1::uuid[], $2::timestamptz[]) AS h(id, at)
            WHERE a.id = h.id AND (a.last_connected_at IS NULL OR a.last_connected_at < h.at)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = heartbeats.Select(h => h.Key).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = heartbeats.Select(h => h.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a control-plane connection. The agent counts as disconnected only when no newer one of it is open (on
    /// this replica or another): a connection replaced by a reconnect must not mark a live agent down.
    /// </summary>
    public async Task DisconnectedAsync(Guid agentId, Guid connectionId, DateTimeOffset now, DisconnectReason reason, DisconnectInitiator initiator, string detail, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ConnectionLogStore.CloseCommand(connectionId, now, new ConnectionEnd(reason, initiator, detail)));
        batch.BatchCommands.Add(CommandExtensions.Batch($"""
            UPDATE workspace_agents SET disconnected_at = $2
            WHERE id = $1 AND {ConnectionLogStore.NoNewerOpenControlPlane}
            """, agentId, now, connectionId, WireName<ConnectionType>.Name(ConnectionType.ControlPlane)));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends to the history; the agent row keeps the state with the latest change time (late arrivals do not overwrite newer ones).</summary>
    public async Task LifecycleAsync(Guid agentId, AgentLifecycleState state, DateTimeOffset changedAt, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var name = WireName<AgentLifecycleState>.Name(state);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(CommandExtensions.Batch("""
            INSERT INTO agent_lifecycle_events (agent_id, state, changed_at, received_at) VALUES ($1, $2, $3, $4)
            """, agentId, name, changedAt, receivedAt));
        batch.BatchCommands.Add(CommandExtensions.Batch("""
            UPDATE workspace_agents SET lifecycle_state = $2, lifecycle_changed_at = $3
            WHERE id = $1 AND (lifecycle_changed_at IS NULL OR lifecycle_changed_at <= $3)
            """, agentId, name, changedAt));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores lines until the agent's budget is spent; past it, one marker line and the overflow flag.</summary>
    public async Task<(int Stored, int Dropped)> AppendLogsAsync(Guid agentId, IReadOnlyList<AgentLogLine> lines, long maxBytes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long length;
        bool overflowed;
        await using (var select = new NpgsqlCommand("SELECT logs_length, logs_overflowed FROM workspace_agents WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            select.With(agentId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (0, lines.Count);
            }

            length = reader.GetInt64(0);
            overflowed = reader.GetBoolean(1);
        }

        var kept = new List<AgentLogLine>(lines.Count);
        var stored = 0;
        foreach (var line in overflowed ? [] : lines)
        {
            var size = Encoding.UTF8.GetByteCount(line.Output);
            if (length + size > maxBytes)
            {
                overflowed = true;
                kept.Add(new AgentLogLine
                {
                    CreatedAt = now,
                    Level = ProvisionerLogLevel.Error,
                    Source = "outpost",
                    Output = $"this agent's logs passed the server's limit of {maxBytes} bytes; later lines were not stored",
                });
                break;
            }

            length += size;
            kept.Add(line);
            stored++;
        }

        if (kept.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO agent_logs (agent_id, created_at, level, source, output)
                SELECT $1, t.created_at, t.level, t.source, t.output
                FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[]) AS t(created_at, level, source, output)
                """, connection, transaction);
            insert.With(agentId);
            insert.Parameters.Add(new NpgsqlParameter { Value = kept.Select(l => l.CreatedAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new NpgsqlParameter { Value = kept.Select(l => WireName<ProvisionerLogLevel>.Name(l.Level)).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = kept.Select(l => l.Source).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = kept.Select(l => l.Output.Replace("\0", string.Empty, StringComparison.Ordinal)).ToArray() });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var update = new NpgsqlCommand("UPDATE workspace_agents SET logs_length = $2, logs_overflowed = $3 WHERE id = $1", connection, transaction))
        {
            update.With(agentId).With(length).With(overflowed);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (stored, lines.Count - stored);
    }

    /// <summary>The workspace's latest build: its id and transition.</summary>
    public async Task<(Guid BuildId, WorkspaceTransition Transition)?> LatestBuildAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, transition FROM workspace_builds WHERE workspace_id = $1 ORDER BY build_number DESC LIMIT 1");
        command.With(workspaceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetGuid(0), WireName<WorkspaceTransition>.Parse(reader.GetString(1)))
            : null;
    }

    /// <summary>
    /// An agent as users read it, with its workspace's owner: never its token hash nor its
    /// environment, which may hold secret-derived values and goes only to the agent (its manifest).
    /// </summary>
    private const string AgentSelect = """
        SELECT a.id, a.build_id, b.workspace_id, r.name, a.name, a.directory, a.operating_system, a.architecture,
               a.scripts, a.apps, a.connection_timeout_seconds, a.lifecycle_state, a.first_connected_at, a.last_connected_at,
               a.disconnected_at, a.created_at, w.owner_id, a.version, a.parent_id
        FROM workspace_agents a
        JOIN workspace_builds b ON b.id = a.build_id
        JOIN workspace_resources r ON r.id = a.resource_id
        JOIN workspaces w ON w.id = b.workspace_id
        """;

    /// <summary>Records the version the agent reported (written only when it changed).</summary>
    public async Task RecordVersionAsync(Guid agentId, string version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE workspace_agents SET version = $2 WHERE id = $1 AND version <> $2");
        command.With(agentId).With(version);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records where the agent accepts direct connections (empty: nowhere); writes only when it changed.</summary>
    public async Task RecordDirectAddressAsync(Guid agentId, string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE workspace_agents SET direct_address = NULLIF($2, '') WHERE id = $1 AND direct_address IS DISTINCT FROM NULLIF($2, '')");
        command.With(agentId).With(address);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where the agent said, on its last manifest fetch from any replica, it accepts direct connections; empty for nowhere.</summary>
    public async Task<string> DirectAddressAsync(Guid agentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT direct_address FROM workspace_agents WHERE id = $1");
        command.With(agentId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string ?? string.Empty;
    }

    /// <summary>An agent as users read it, and its workspace's owner (for authorization); null when there is none.</summary>
    public async Task<(WorkspaceAgent Agent, Guid OwnerId)?> FindAsync(Guid agentId, CancellationToken cancellationToken)
    {
        var agents = await QueryAsync($"{AgentSelect} WHERE a.id = $1", agentId, cancellationToken).ConfigureAwait(false);
        return agents.Count == 0 ? null : agents[0];
    }

    /// <summary>The agents a build recorded, by resource and name, with their status at <paramref name="now"/> (coder-spec §6).</summary>
    public async Task<List<WorkspaceAgent>> ListByBuildAsync(Guid buildId, DateTimeOffset now, TimeSpan inactivityTimeout, CancellationToken cancellationToken)
    {
        var agents = await QueryAsync($"{AgentSelect} WHERE a.build_id = $1 ORDER BY r.name, a.name", buildId, cancellationToken).ConfigureAwait(false);
        return agents.ConvertAll(a => AgentStatusRules.WithStatus(a.Agent, now, inactivityTimeout));
    }

    private async Task<List<(WorkspaceAgent Agent, Guid OwnerId)>> QueryAsync(string sql, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.With(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var agents = new List<(WorkspaceAgent, Guid)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            agents.Add((new WorkspaceAgent
            {
                Id = reader.GetGuid(0),
                BuildId = reader.GetGuid(1),
                WorkspaceId = reader.GetGuid(2),
                ResourceName = reader.GetString(3),
                Name = reader.GetString(4),
                Directory = reader.GetString(5),
                OperatingSystem = reader.GetString(6),
                Architecture = reader.GetString(7),
                Scripts = JsonSerializer.Deserialize(reader.GetString(8), OutpostJsonContext.Default.ListAgentScript) ?? [],
                Apps = JsonSerializer.Deserialize(reader.GetString(9), OutpostJsonContext.Default.ListAgentApp) ?? [],
                ConnectionTimeoutSeconds = reader.GetInt32(10),
                LifecycleState = WireName<AgentLifecycleState>.Parse(reader.GetString(11)),
                FirstConnectedAt = reader.GetNullable<DateTimeOffset>(12),
                LastConnectedAt = reader.GetNullable<DateTimeOffset>(13),
                DisconnectedAt = reader.GetNullable<DateTimeOffset>(14),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(15),
                Version = reader.GetString(17),
                ParentId = reader.GetNullable<Guid>(18),
            }, reader.GetGuid(16)));
        }

        return agents;
    }
}
