using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Agents;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;

namespace Outpost.Server.Tests.Agents;

/// <summary>A workspace with one agent, written straight to the database as a finished build would leave it.</summary>
internal sealed record SeededAgent(Guid AgentId, Guid WorkspaceId, Guid BuildId, Guid TemplateVersionId, Guid UserId, string Token);

internal static class AgentSeed
{
    public static async Task<SeededAgent> CreateAsync(string connectionString, IReadOnlyList<AgentScript>? scripts = null, string directory = "/tmp", int connectionTimeoutSeconds = 0, DateTimeOffset? createdAt = null)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var now = createdAt ?? DateTimeOffset.UtcNow;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var userId = Guid.NewGuid();
        var templateId = Guid.NewGuid();
        var versionId = Guid.NewGuid();
        var importJob = Guid.NewGuid();
        var workspaceId = Guid.NewGuid();
        var buildJob = Guid.NewGuid();
        var buildId = Guid.NewGuid();
        var resourceId = Guid.NewGuid();
        var agentId = Guid.NewGuid();
        var token = $"agent-token-{Guid.NewGuid():N}";
        var hash = string.Concat(Enumerable.Repeat(suffix, 8));

        await using var batch = dataSource.CreateBatch();
        Add(batch, "INSERT INTO users (id, email, username, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, 'member', 'x', $4, $4)",
            userId, $"{suffix}@example.com", $"user-{suffix}", now);
        Add(batch, "INSERT INTO files (hash, data, created_at) VALUES ($1, $2, $3)", hash, new byte[] { 1 }, now);
        Add(batch, "INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, created_at, updated_at, started_at, completed_at) VALUES ($1, 'template_version_import', 'local', $2, $3, $3, $3, $3)",
            importJob, hash, now);
        Add(batch, "INSERT INTO templates (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)", templateId, $"template-{suffix}", now);
        Add(batch, "INSERT INTO template_versions (id, template_id, name, file_hash, job_id, created_at) VALUES ($1, $2, 'v1', $3, $4, $5)",
            versionId, templateId, hash, importJob, now);
        Add(batch, "INSERT INTO workspaces (id, owner_id, template_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
            workspaceId, userId, templateId, $"ws-{suffix}", now);
        Add(batch, "INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, created_at, updated_at, started_at, completed_at) VALUES ($1, 'workspace_build', 'local', $2, $3, $3, $3, $3)",
            buildJob, hash, now);
        Add(batch, "INSERT INTO workspace_builds (id, workspace_id, template_version_id, build_number, transition, reason, job_id, created_at) VALUES ($1, $2, $3, 1, 'start', 'initiator', $4, $5)",
            buildId, workspaceId, versionId, buildJob, now);
        Add(batch, "INSERT INTO workspace_resources (id, job_id, name, type, created_at) VALUES ($1, $2, 'main', 'local_process', $3)", resourceId, buildJob, now);
        var insertAgent = Add(batch, """
            INSERT INTO workspace_agents (id, build_id, resource_id, name, directory, operating_system, architecture, environment_variables, scripts,
                                          connection_timeout_seconds, auth_token_hash, created_at)
            VALUES ($1, $2, $3, 'main', $4, 'linux', 'amd64', $5, $6, $7, $8, $9)
            """, agentId, buildId, resourceId, directory, null, null, connectionTimeoutSeconds, AgentStore.Hash(token), now);
        insertAgent.Parameters[4] = new NpgsqlParameter { Value = """{"GREETING":"hello"}""", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb };
        insertAgent.Parameters[5] = new NpgsqlParameter { Value = JsonSerializer.Serialize(scripts?.ToList() ?? [], OutpostJsonContext.Default.ListAgentScript), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb };
        await batch.ExecuteNonQueryAsync();
        return new SeededAgent(agentId, workspaceId, buildId, versionId, userId, token);
    }

    /// <summary>Queues a stop (or delete) build the way the API does: rows plus the workspace's pubsub message, in one transaction.</summary>
    public static async Task<Guid> QueueBuildAsync(string connectionString, SeededAgent agent, WorkspaceTransition transition, int buildNumber = 2)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var jobId = Guid.NewGuid();
        var buildId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await using (var command = new NpgsqlCommand("""
            INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, created_at, updated_at)
            SELECT $1, 'workspace_build', 'local', file_hash, $2, $2 FROM template_versions WHERE id = $3;
            """, connection, transaction))
        {
            command.With(jobId).With(now).With(agent.TemplateVersionId);
            await command.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand("""
            INSERT INTO workspace_builds (id, workspace_id, template_version_id, build_number, transition, reason, job_id, created_at)
            VALUES ($1, $2, $3, $4, $5, 'initiator', $6, $7)
            """, connection, transaction))
        {
            command.With(buildId).With(agent.WorkspaceId).With(agent.TemplateVersionId).With(buildNumber).With(WireName<WorkspaceTransition>.Name(transition)).With(jobId).With(now);
            await command.ExecuteNonQueryAsync();
        }

        await JobStore.JobChangedAsync(transaction, jobId, CancellationToken.None);
        await transaction.CommitAsync();
        return buildId;
    }

    public static async Task<List<T>> QueryAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> read, params object?[] values)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.With(value);
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static NpgsqlBatchCommand Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        batch.BatchCommands.Add(command);
        return command;
    }
}
