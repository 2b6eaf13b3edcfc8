using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Provisionerd;

/// <summary>Why a daemon's update, completion or failure was not accepted.</summary>
internal enum DaemonJobRefusal
{
    None,
    NotFound,
    NotOwner,
    NotStarted,
    AlreadyCompleted,
    Invalid,
}

/// <summary>The outcome of one daemon call on a job.</summary>
internal sealed record DaemonJobOutcome(DaemonJobRefusal Refusal, string? Detail = null, bool Canceled = false, string? FailedBy = null);

/// <summary>Heartbeats, completions and failures, each in one transaction that holds the job's row lock.</summary>
internal sealed partial class DaemonJobs(NpgsqlDataSource dataSource, TimeProvider time, ILogger<DaemonJobs> logger)
{
    public async Task<DaemonJobOutcome> UpdateAsync(DaemonIdentity daemon, Guid jobId, UpdateJobRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The lock is also the heartbeat (updated_at); a refused call rolls it back.
        var (refusal, row) = await LockAsync(transaction, daemon, jobId, now, cancellationToken).ConfigureAwait(false);
        if (refusal.Refusal != DaemonJobRefusal.None)
        {
            return refusal;
        }

        var outbox = new PubsubOutbox(logger);
        // New lines are announced only to followers (the row lock above orders this with a follower's mark).
        await JobStore.AppendLogsAsync(transaction, jobId, request.Logs, outbox, row.Followed, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await outbox.PublishAsync(connection).ConfigureAwait(false);
        return new DaemonJobOutcome(DaemonJobRefusal.None, Canceled: row.Canceled);
    }

    public async Task<DaemonJobOutcome> FailAsync(DaemonIdentity daemon, Guid jobId, FailJobRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (refusal, row) = await LockAsync(transaction, daemon, jobId, heartbeat: null, cancellationToken).ConfigureAwait(false);
        if (refusal.Refusal != DaemonJobRefusal.None)
        {
            return refusal;
        }

        if (row.Canceled && request.ErrorCode == CanceledErrorCode)
        {
            // The daemon stopped because a user canceled: completed with canceled_at set and no
            // error is "canceled" in the spec's status order, which is what happened.
            var canceled = new PubsubOutbox(logger);
            await using (var cancel = new NpgsqlCommand(
                JobEvents.UpdateAndReadChange("UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2, error_code = $3 WHERE id = $1"), connection, transaction))
            {
                cancel.With(jobId).With(now).With(CanceledErrorCode);
                await AnnounceChangeAsync(canceled, cancel, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await canceled.PublishAsync(connection).ConfigureAwait(false);
            return new DaemonJobOutcome(DaemonJobRefusal.None, Canceled: true);
        }

        var error = string.IsNullOrWhiteSpace(request.Error) ? "the provisioner failed without saying why" : request.Error;
        var failed = new PubsubOutbox(logger);
        await MarkFailedAsync(transaction, failed, jobId, error, request.ErrorCode, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await failed.PublishAsync(connection).ConfigureAwait(false);
        return new DaemonJobOutcome(DaemonJobRefusal.None, FailedBy: error);
    }

    /// <summary>
    /// Records a job's result. With <paramref name="next"/> (acquire_next), the next job is claimed
    /// in the same transaction, sent in the same batch as the result, so both commit together.
    /// </summary>
    /// <remarks>
    /// An import completes in one batch with no lock taken first: the completion is an update that
    /// only matches the running import this daemon holds, and when it matches nothing the row is
    /// read to explain why (and the transaction, with whatever else the batch did, rolls back). A
    /// build locks and reads its row first, since what it records depends on it.
    /// </remarks>
    public async Task<(DaemonJobOutcome Outcome, BuildCompletion? Build, JobQueue.Claim? Next)> CompleteAsync(
        DaemonIdentity daemon, Guid jobId, CompleteJobRequest request, NextClaim? next, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var canceled = false;
        DateTimeOffset? startedAt = null;
        BuildCompletion? build = null;
        if (request.TemplateImport is { } import)
        {
            if (await ImportRefusalAsync(transaction, import, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return (refused, null, null);
            }

            batch.BatchCommands.Add(Command($"""
                WITH j AS (
                    UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2
                    WHERE id = $1 AND type = 'template_version_import' AND worker_key = $3 AND started_at IS NOT NULL AND completed_at IS NULL
                    RETURNING id, job_status, completed_at, canceled_at, followed)
                SELECT {JobEvents.ChangeColumns}, j.canceled_at IS NOT NULL FROM j {JobEvents.ChangeJoins}
                """, jobId, now, daemon.KeyId));
            AddNext(batch, daemon, next, now);
            // Imports describe what a build would create; they never carry agent tokens, and none is kept.
            var resources = import.Resources.Select(r => r with { Agents = [.. r.Agents.Select(a => a with { AuthToken = null })] }).ToList();
            var record = Command("UPDATE template_versions SET parameters = $2, resources = $3, readme = $4 WHERE job_id = $1", jobId);
            AddJson(record, JsonSerializer.Serialize(import.Parameters.ToList(), OutpostJsonContext.Default.ListTemplateVersionParameter));
            AddJson(record, JsonSerializer.Serialize(resources, OutpostJsonContext.Default.ListProvisionedResource));
            Add(record, import.Readme ?? string.Empty);
            batch.BatchCommands.Add(record);
            if (ImportExtras(jobId, import) is { } extras)
            {
                batch.BatchCommands.Add(extras);
            }
        }
        else
        {
            var (refusal, row) = await LockAsync(transaction, daemon, jobId, heartbeat: null, cancellationToken).ConfigureAwait(false);
            if (refusal.Refusal != DaemonJobRefusal.None)
            {
                return (refusal, null, null);
            }

            if (row.Type == ProvisionerJobType.TemplateVersionImport)
            {
                return (new DaemonJobOutcome(DaemonJobRefusal.Invalid, "an import job completes with template_import set"), null, null);
            }

            if (request.WorkspaceBuild is not { } result)
            {
                return (new DaemonJobOutcome(DaemonJobRefusal.Invalid, "a build job completes with workspace_build set"), null, null);
            }

            (canceled, startedAt) = (row.Canceled, row.StartedAt);
            batch.BatchCommands.Add(Command(JobEvents.UpdateAndReadChange("UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2 WHERE id = $1"), jobId, now));
            AddNext(batch, daemon, next, now);
            var (completion, mergeError) = await RecordBuildAsync(transaction, batch, jobId, row.Canceled, result, now, cancellationToken).ConfigureAwait(false);
            if (mergeError is not null)
            {
                var failed = new PubsubOutbox(logger);
                await MarkFailedAsync(transaction, failed, jobId, mergeError.Message, "env_merge", now, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                await failed.PublishAsync(connection).ConfigureAwait(false);
                return (new DaemonJobOutcome(DaemonJobRefusal.None, FailedBy: mergeError.Message, Detail: mergeError.VariableName), null, null);
            }

            build = completion;
        }

        // Results in batch order: the completion's change, then the claim (when asked), then nothing.
        JobChange? change = null;
        JobQueue.ClaimedRow? claimed = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                change = JobEvents.ReadChange(reader, 0);
                canceled |= request.TemplateImport is not null && reader.GetBoolean(JobEvents.ChangeColumnCount);
                if (next is not null && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    claimed = await JobQueue.ReadClaimAsync(reader, next.AccessUrl, cancellationToken).ConfigureAwait(false);
                }
            }

            // Drained, so an error in a later statement surfaces here.
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }

        if (change is null)
        {
            // The import's completion matched nothing: say why. Disposing the transaction undoes the rest of the batch.
            var (refusal, _) = await LockAsync(transaction, daemon, jobId, heartbeat: null, cancellationToken).ConfigureAwait(false);
            return (refusal.Refusal != DaemonJobRefusal.None
                ? refusal
                : new DaemonJobOutcome(DaemonJobRefusal.Invalid, "a build job completes with workspace_build set"), null, null);
        }

        var outbox = new PubsubOutbox(logger);
        JobEvents.Announce(outbox, change);
        var claim = next is null ? null : await JobQueue.FinishClaimAsync(transaction, outbox, claimed, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await outbox.PublishAsync(connection).ConfigureAwait(false);
        return (new DaemonJobOutcome(DaemonJobRefusal.None, Canceled: canceled), build is null ? null : build with { CompletedAt = now, StartedAt = startedAt!.Value }, claim);
    }

    /// <summary>The next job to claim with a completion (acquire_next): the queue, the daemon's request, the agents' URL.</summary>
    internal sealed record NextClaim(JobQueue Queue, AcquireJobRequest Request, string AccessUrl);

    private static void AddNext(NpgsqlBatch batch, DaemonIdentity daemon, NextClaim? next, DateTimeOffset now)
    {
        if (next is not null)
        {
            batch.BatchCommands.Add(next.Queue.ClaimCommand(daemon, next.Request, now));
        }
    }

    /// <summary>The error code a daemon fails a job with when it stopped because of a cancel.</summary>
    public const string CanceledErrorCode = "canceled";

    private static async Task MarkFailedAsync(
        NpgsqlTransaction transaction, PubsubOutbox outbox, Guid jobId, string error, string? errorCode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var fail = new NpgsqlCommand(JobEvents.UpdateAndReadChange("""
            UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2, error = $3, error_code = $4 WHERE id = $1
            """), transaction.Connection, transaction);
        fail.With(jobId).With(now).With(error).With(errorCode);
        await AnnounceChangeAsync(outbox, fail, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a <see cref="JobEvents.UpdateAndReadChange"/> statement and adds the change it returns to the outbox.</summary>
    private static async Task AnnounceChangeAsync(PubsubOutbox outbox, NpgsqlCommand update, CancellationToken cancellationToken)
    {
        await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        JobEvents.Announce(outbox, await ReadChangeAsync(reader, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reads the change row of the reader's first result, then the rest of the results (so a later statement's error surfaces here).</summary>
    private static async Task<JobChange> ReadChangeAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // The row is locked by this transaction, so the update cannot miss it.
            throw new InvalidOperationException("The locked job row was not updated.");
        }

        var change = JobEvents.ReadChange(reader, 0);
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            // Drained.
        }

        return change;
    }

    private sealed record JobRow(ProvisionerJobType Type, bool Canceled, DateTimeOffset? StartedAt, bool Followed);

    /// <summary>Locks the job's row and checks that this daemon may act on it.</summary>
    /// <remarks>
    /// With <paramref name="heartbeat"/> the lock is taken by touching <c>updated_at</c>, which saves
    /// an update's round trip; a refused call never commits, so a refusal changes nothing. Without it
    /// the row is only locked: completions and failures write the row once, not twice.
    /// </remarks>
    private static async Task<(DaemonJobOutcome Refusal, JobRow Row)> LockAsync(
        NpgsqlTransaction transaction, DaemonIdentity daemon, Guid jobId, DateTimeOffset? heartbeat, CancellationToken cancellationToken)
    {
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
        var none = new JobRow(ProvisionerJobType.WorkspaceBuild, false, null, false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.NotFound, $"there is no job {jobId}"), none);
        }

        var row = new JobRow(WireName<ProvisionerJobType>.Parse(reader.GetString(0)), !reader.IsDBNull(4), reader.GetNullable<DateTimeOffset>(2), reader.GetBoolean(6));
        if (row.StartedAt is null)
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.NotStarted, "the job isn't running yet: acquire it first"), row);
        }

        if (reader.GetNullableString(1) != daemon.KeyId)
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.NotOwner, "you don't own this job: another daemon acquired it"), row);
        }

        if (!reader.IsDBNull(3))
        {
            var error = reader.GetNullableString(5);
            return (new DaemonJobOutcome(DaemonJobRefusal.AlreadyCompleted,
                "the job has already completed" + (string.IsNullOrEmpty(error) ? string.Empty : $": {error}") + "; stop working on it"), row);
        }

        return (new DaemonJobOutcome(DaemonJobRefusal.None), row);
    }
}

/// <summary>What a completed build means for metrics.</summary>
internal sealed record BuildCompletion(Guid WorkspaceId, WorkspaceTransition Transition, int BuildNumber, bool Canceled, string TemplateName)
{
    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset CompletedAt { get; init; }
}
