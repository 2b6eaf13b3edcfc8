using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;
using Outpost.Server.Pubsub;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// The pubsub channels of the queue and of workspaces, and the publishes that go with every state
/// change. All of them run inside the transaction that makes the change, so a message is sent only
/// if the change committed (and after it did).
/// </summary>
internal static class JobEvents
{
    /// <summary>Daemons long-polling for work listen here; the payload is the job's provisioner.</summary>
    public const string WakeChannel = "provisioner_jobs:wake";

    /// <summary>Every workspace's build changes (coder-spec §9 <c>workspace_updates:all</c>).</summary>
    public const string AllWorkspacesChannel = "workspace_updates:all";

    /// <summary>Payload on a job's channel when new log lines were stored.</summary>
    public const string LogsPayload = "logs";

    /// <summary>Payload on a job's channel when the job completed: no more logs will come.</summary>
    public const string EndPayload = "end";

    public static string JobChannel(Guid jobId) => $"provisioner_job:{jobId:N}";

    public static string WorkspaceChannel(Guid workspaceId) => $"workspace:{workspaceId:N}";

    public static Task WakeDaemonsAsync(NpgsqlTransaction transaction, string provisioner, CancellationToken cancellationToken) =>
        PostgresPubsub.PublishAsync(transaction, WakeChannel, provisioner, cancellationToken);

    public static Task LogsAddedAsync(NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken) =>
        PostgresPubsub.PublishAsync(transaction, JobChannel(jobId), LogsPayload, cancellationToken);

    /// <summary>
    /// Announces that a job changed state: on its own channel (the end of its logs, when it completed)
    /// and, for a build, on the workspace's channel and the all-workspaces channel.
    /// </summary>
    public static async Task JobChangedAsync(NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        await using var command = new NpgsqlCommand("""
            SELECT j.job_status, j.completed_at IS NOT NULL, b.workspace_id, w.name, w.owner_id, b.id, b.build_number, b.transition
            FROM provisioner_jobs j
            LEFT JOIN workspace_builds b ON b.job_id = j.id
            LEFT JOIN workspaces w ON w.id = b.workspace_id
            WHERE j.id = $1
            """, connection, transaction);
        command.With(jobId);
        WorkspaceBuildUpdate? update = null;
        bool completed;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            completed = reader.GetBoolean(1);
            if (!reader.IsDBNull(2))
            {
                update = new WorkspaceBuildUpdate
                {
                    JobStatus = WireEnum<ProvisionerJobStatus>.Parse(reader.GetString(0)),
                    WorkspaceId = reader.GetGuid(2),
                    WorkspaceName = reader.GetString(3),
                    OwnerId = reader.GetGuid(4),
                    BuildId = reader.GetGuid(5),
                    BuildNumber = reader.GetInt32(6),
                    Transition = WireEnum<WorkspaceTransition>.Parse(reader.GetString(7)),
                };
            }
        }

        if (completed)
        {
            await PostgresPubsub.PublishAsync(transaction, JobChannel(jobId), EndPayload, cancellationToken).ConfigureAwait(false);
        }

        if (update is not null)
        {
            var payload = JsonSerializer.Serialize(update, OutpostJsonContext.Default.WorkspaceBuildUpdate);
            await PostgresPubsub.PublishAsync(transaction, WorkspaceChannel(update.WorkspaceId), payload, cancellationToken).ConfigureAwait(false);
            await PostgresPubsub.PublishAsync(transaction, AllWorkspacesChannel, payload, cancellationToken).ConfigureAwait(false);
        }
    }
}
