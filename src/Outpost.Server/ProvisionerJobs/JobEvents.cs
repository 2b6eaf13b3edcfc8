using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Pubsub;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// The pubsub channels of the queue and of workspaces, and the messages that go with every state
/// change. They are published inside the transaction that makes the change (or through an outbox
/// after it commits), so a message is sent only if the change committed. What changed is read by
/// <see cref="JobStore"/>.
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
