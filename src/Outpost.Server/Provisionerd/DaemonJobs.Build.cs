using System.Text.Json;
using Npgsql;
using Outpost.Provisioner.Environment;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;

namespace Outpost.Server.Provisionerd;

internal sealed partial class DaemonJobs
{
    /// <summary>
    /// Adds to <paramref name="batch"/> what records a build's resources, agents (environment merged,
    /// token hashed) and new provisioner state, and marks the workspace deleted after a delete
    /// build; the caller runs the batch. A merge error adds nothing and is returned, naming the agent
    /// and the variable.
    /// </summary>
    private static async Task<(BuildCompletion? Completion, EnvMergeError? MergeError)> RecordBuildAsync(
        NpgsqlTransaction transaction, NpgsqlBatch batch, Guid jobId, bool canceled, WorkspaceBuildResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        Guid buildId, workspaceId;
        WorkspaceTransition transition;
        int buildNumber;
        string templateName;
        await using (var select = new NpgsqlCommand("""
            SELECT b.id, b.workspace_id, b.transition, b.build_number, t.name
            FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id JOIN templates t ON t.id = w.template_id
            WHERE b.job_id = $1
            """, connection, transaction))
        {
            select.With(jobId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Build job {jobId} has no build.");
            }

            buildId = reader.GetGuid(0);
            workspaceId = reader.GetGuid(1);
            transition = WireName<WorkspaceTransition>.Parse(reader.GetString(2));
            buildNumber = reader.GetInt32(3);
            templateName = reader.GetString(4);
        }

        var commands = new List<NpgsqlBatchCommand>();
        foreach (var resource in result.Resources)
        {
            var resourceId = Guid.CreateVersion7(now);
            commands.Add(Command("INSERT INTO workspace_resources (id, job_id, name, type, created_at) VALUES ($1, $2, $3, $4, $5)",
                resourceId, jobId, resource.Name, resource.Type, now));
            foreach (var agent in resource.Agents)
            {
                var environment = EnvironmentMerge.BuildAgentEnvironment(
                    agent.ExtraEnvs.Select(e => new ExtraEnv(e.Name, e.Value, WireName<EnvMergeStrategy>.Name(e.MergeStrategy))), agent.Env);
                if (environment.Error is { } error)
                {
                    return (null, error with { Message = $"agent \"{agent.Name}\": {error.Message}" });
                }

                var insert = Command("""
                    INSERT INTO workspace_agents (id, build_id, resource_id, name, directory, operating_system, architecture, environment_variables,
                                                  scripts, apps, connection_timeout_seconds, auth_token_hash, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                    """, Guid.CreateVersion7(now), buildId, resourceId, agent.Name, agent.Directory, agent.OperatingSystem, agent.Architecture);
                AddJson(insert, environment.Variables is null ? null : JsonSerializer.Serialize(new Dictionary<string, string>(environment.Variables), OutpostJsonContext.Default.DictionaryStringString));
                AddJson(insert, JsonSerializer.Serialize(agent.Scripts.ToList(), OutpostJsonContext.Default.ListAgentScript));
                AddJson(insert, JsonSerializer.Serialize(agent.Apps.ToList(), OutpostJsonContext.Default.ListAgentApp));
                Add(insert, agent.ConnectionTimeoutSeconds, agent.AuthToken is null ? null : HashAgentToken(agent.AuthToken), now);
                commands.Add(insert);
            }
        }

        commands.Add(Command("""
            INSERT INTO provisioner_states (build_id, state) VALUES ($1, $2) ON CONFLICT (build_id) DO UPDATE SET state = EXCLUDED.state
            """, buildId, result.State));
        if (transition == WorkspaceTransition.Delete && !canceled)
        {
            commands.Add(Command("UPDATE workspaces SET deleted = true, updated_at = $2 WHERE id = $1", workspaceId, now));
        }
        else
        {
            commands.Add(Command("UPDATE workspaces SET updated_at = $2 WHERE id = $1", workspaceId, now));
        }

        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        return (new BuildCompletion(workspaceId, transition, buildNumber, canceled, templateName), null);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command, values);
        return command;
    }

    private static void Add(NpgsqlBatchCommand command, params object?[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }

    private static void AddJson(NpgsqlBatchCommand command, string? json) =>
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
}
