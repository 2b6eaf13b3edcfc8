using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Pubsub;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>A job row as a daemon's call finds it under its lock.</summary>
internal sealed record LockedJob(
    ProvisionerJobType Type, string? WorkerKey, DateTimeOffset? StartedAt, bool Completed, bool Canceled, string? Error, bool Followed);

/// <summary>The statements of the daemon API: heartbeats, completions and failures, each under the job's row lock.</summary>
internal static partial class JobStore
{
    /// <summary>Locks the job's row for a daemon's call; null when there is no such job.</summary>
    /// <remarks>
    /// With <paramref name="heartbeat"/> the lock is taken by touching <c>updated_at</c>, which saves
    /// an update's round trip; a refused call never commits, so a refusal changes nothing. Without it
    /// the row is only locked: completions and failures write the row once, not twice.
    /// </remarks>
    public static async Task<LockedJob?> LockForDaemonAsync(
        NpgsqlTransaction transaction, Guid jobId, DateTimeOffset? heartbeat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var select = new NpgsqlCommand(heartbeat is null
            ? "SELECT type, worker_key, started_at, completed_at, canceled_at, error, followed FROM provisioner_jobs WHERE id = $1 FOR UPDATE"
            : "UPDATE provisioner_jobs SET updated_at = $2 WHERE id = $1 RETURNING type, worker_key, started_at, completed_at, canceled_at, error, followed",
            transaction.Connection, transaction);
        select.With(jobId);
        if (heartbeat is { } now)
        {
            select.With(now);
        }

        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new LockedJob(
            WireName<ProvisionerJobType>.Parse(reader.GetString(0)), reader.GetNullableString(1), reader.GetNullable<DateTimeOffset>(2),
            !reader.IsDBNull(3), !reader.IsDBNull(4), reader.GetNullableString(5), reader.GetBoolean(6));
    }

    /// <summary>
    /// Completes a locked job its daemon stopped because a user canceled it: completed with
    /// canceled_at set and no error, which is "canceled" in the spec's status order.
    /// </summary>
    public static async Task CompleteCanceledAsync(
        NpgsqlTransaction transaction, PubsubOutbox outbox, Guid jobId, string errorCode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var cancel = new NpgsqlCommand(
            UpdateAndReadChange("UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2, error_code = $3 WHERE id = $1"), transaction.Connection, transaction);
        cancel.With(jobId).With(now).With(errorCode);
        await UpdateAndAnnounceAsync(outbox, cancel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fails a locked job with <paramref name="error"/>; its change goes to <paramref name="outbox"/>.</summary>
    public static async Task FailAsync(
        NpgsqlTransaction transaction, PubsubOutbox outbox, Guid jobId, string error, string? errorCode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var fail = new NpgsqlCommand(UpdateAndReadChange("""
            UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2, error = $3, error_code = $4 WHERE id = $1
            """), transaction.Connection, transaction);
        fail.With(jobId).With(now).With(error).With(errorCode);
        await UpdateAndAnnounceAsync(outbox, fail, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The statement that completes a running import held by <paramref name="workerKey"/>, without a
    /// lock taken first; it returns <see cref="ChangeColumns"/> then whether the import was canceled,
    /// or no row when the import is not this daemon's to complete.
    /// </summary>
    public static NpgsqlBatchCommand CompleteImportCommand(Guid jobId, string workerKey, DateTimeOffset now) => BatchCommands.Create($"""
        WITH j AS (
            UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2
            WHERE id = $1 AND type = 'template_version_import' AND worker_key = $3 AND started_at IS NOT NULL AND completed_at IS NULL
            RETURNING id, job_status, completed_at, canceled_at, followed)
        SELECT {ChangeColumns}, j.canceled_at IS NOT NULL FROM j {ChangeJoins}
        """, jobId, now, workerKey);

    /// <summary>The statement that completes a locked build job; it returns <see cref="ChangeColumns"/>.</summary>
    public static NpgsqlBatchCommand CompleteBuildCommand(Guid jobId, DateTimeOffset now) =>
        BatchCommands.Create(UpdateAndReadChange("UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2 WHERE id = $1"), jobId, now);
}
