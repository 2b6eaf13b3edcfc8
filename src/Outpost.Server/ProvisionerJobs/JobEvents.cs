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

    public static void LogsAdded(PubsubOutbox outbox, Guid jobId)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        outbox.Add(JobChannel(jobId), LogsPayload);
    }

    /// <summary>
    /// The columns a <see cref="JobChange"/> is read from (<see cref="ReadChange"/>), over a job row
    /// aliased <c>j</c> with <see cref="ChangeJoins"/>; a job row may also come from an
    /// <c>UPDATE … RETURNING</c> (see <see cref="UpdateAndReadChange"/>).
    /// </summary>
    public const string ChangeColumns = "j.id, j.job_status, j.completed_at IS NOT NULL, b.workspace_id, w.name, w.owner_id, b.id, b.build_number, b.transition, j.followed";

    public const int ChangeColumnCount = 10;

    public const string ChangeJoins = "LEFT JOIN workspace_builds b ON b.job_id = j.id LEFT JOIN workspaces w ON w.id = b.workspace_id";

    /// <summary>
    /// Wraps an <c>UPDATE provisioner_jobs … WHERE …</c> (without RETURNING) so the same statement
    /// returns the change to announce: one round trip instead of an update and a read.
    /// </summary>
    public static string UpdateAndReadChange(string update) =>
        $"WITH j AS ({update} RETURNING id, job_status, completed_at, followed) SELECT {ChangeColumns} FROM j {ChangeJoins}";

    /// <summary>Reads a change from <see cref="ChangeColumns"/> starting at <paramref name="ordinal"/>.</summary>
    public static JobChange ReadChange(NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var build = reader.IsDBNull(ordinal + 3) ? null : new WorkspaceBuildUpdate
        {
            JobStatus = WireName<ProvisionerJobStatus>.Parse(reader.GetString(ordinal + 1)),
            WorkspaceId = reader.GetGuid(ordinal + 3),
            WorkspaceName = reader.GetString(ordinal + 4),
            OwnerId = reader.GetGuid(ordinal + 5),
            BuildId = reader.GetGuid(ordinal + 6),
            BuildNumber = reader.GetInt32(ordinal + 7),
            Transition = WireName<WorkspaceTransition>.Parse(reader.GetString(ordinal + 8)),
        };
        return new JobChange(reader.GetGuid(ordinal), reader.GetBoolean(ordinal + 2), build, reader.GetBoolean(ordinal + 9));
    }

    /// <summary>
    /// Announces that a job changed state: on its own channel (the end of its logs, when it completed)
    /// and, for a build, on the workspace's channel and the all-workspaces channel.
    /// </summary>
    public static async Task JobChangedAsync(NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        JobChange change;
        await using (var command = new NpgsqlCommand($"SELECT {ChangeColumns} FROM provisioner_jobs j {ChangeJoins} WHERE j.id = $1", transaction.Connection, transaction))
        {
            command.With(jobId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            change = ReadChange(reader, 0);
        }

        await PublishAsync(transaction, change, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes what <paramref name="change"/> announces, in one statement of the caller's transaction.</summary>
    public static Task PublishAsync(NpgsqlTransaction transaction, JobChange change, CancellationToken cancellationToken)
    {
        var messages = Messages(change);
        return messages.Count == 0 ? Task.CompletedTask : PostgresPubsub.PublishAsync(transaction, messages, cancellationToken);
    }

    /// <summary>Adds what <paramref name="change"/> announces to <paramref name="outbox"/>, to publish once its transaction commits.</summary>
    public static void Announce(PubsubOutbox outbox, JobChange change)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        foreach (var (channel, payload) in Messages(change))
        {
            outbox.Add(channel, payload);
        }
    }

    private static List<(string Channel, string Payload)> Messages(JobChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var messages = new List<(string, string)>(3);
        // The job's own channel only has listeners when someone follows its logs.
        if (change.Completed && change.Followed)
        {
            messages.Add((JobChannel(change.JobId), EndPayload));
        }

        if (change.Build is { } update)
        {
            var payload = JsonSerializer.Serialize(update, OutpostJsonContext.Default.WorkspaceBuildUpdate);
            messages.Add((WorkspaceChannel(update.WorkspaceId), payload));
            messages.Add((AllWorkspacesChannel, payload));
        }

        return messages;
    }
}

/// <summary>
/// A job's change of state as its pubsub messages describe it; <c>Build</c> is null for template
/// imports; <c>Followed</c> says whether anyone follows its logs (else its own channel is skipped).
/// </summary>
internal sealed record JobChange(Guid JobId, bool Completed, WorkspaceBuildUpdate? Build, bool Followed);
