using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Server.Secrets;
using Outpost.Server.Workspaces;
using Outpost.Server.Templates;

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
internal sealed partial class DaemonJobs(NpgsqlDataSource dataSource, SecretProtector protector, TimeProvider time, ILogger<DaemonJobs> logger)
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

    /// <summary>
    /// Fails (or, after a cancel, ends as canceled) a job. A build's failure may carry the state its
    /// apply left (<see cref="FailJobRequest.State"/>): it is stored encrypted as the build's state, so the next build continues from it on any daemon.
    /// </summary>
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

        if (request.State is { Length: > 0 } state && row.Type == ProvisionerJobType.WorkspaceBuild)
        {
            var build = await WorkspaceStore.GetBuildOfJobAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
            batch.BatchCommands.Add(WorkspaceStore.SaveStateCommand(build.BuildId, protector.ProtectState(state)));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (row.Canceled && request.ErrorCode == CanceledErrorCode)
        {
            var canceled = new PubsubOutbox(logger);
            await JobStore.CompleteCanceledAsync(transaction, canceled, jobId, CanceledErrorCode, now, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await canceled.PublishAsync(connection).ConfigureAwait(false);
            return new DaemonJobOutcome(DaemonJobRefusal.None, Canceled: true);
        }

        var error = string.IsNullOrWhiteSpace(request.Error) ? "the provisioner failed without saying why" : request.Error;
        var failed = new PubsubOutbox(logger);
        await JobStore.FailAsync(transaction, failed, jobId, error, request.ErrorCode, now, cancellationToken).ConfigureAwait(false);
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

            batch.BatchCommands.Add(JobStore.CompleteImportCommand(jobId, daemon.KeyId, now));
            AddNext(batch, daemon, next, now);
            // Imports describe what a build would create; they never carry agent tokens, and none is kept.
            var resources = import.Resources.Select(r => r with { Agents = [.. r.Agents.Select(a => a with { AuthToken = null })] }).ToList();
            batch.BatchCommands.Add(TemplateStore.RecordImportCommand(jobId, import.Parameters, resources, import.Readme ?? string.Empty, import.ModulesFileHash, import.Presets));
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
            batch.BatchCommands.Add(JobStore.CompleteBuildCommand(jobId, now));
            AddNext(batch, daemon, next, now);
            var (completion, mergeError) = await RecordBuildAsync(transaction, batch, jobId, row.Canceled, result, now, cancellationToken).ConfigureAwait(false);
            if (mergeError is not null)
            {
                var failed = new PubsubOutbox(logger);
                await JobStore.FailAsync(transaction, failed, jobId, mergeError.Message, "env_merge", now, cancellationToken).ConfigureAwait(false);
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
                change = JobStore.ReadChange(reader, 0);
                canceled |= request.TemplateImport is not null && reader.GetBoolean(JobStore.ChangeColumnCount);
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
            batch.BatchCommands.Add(next.Queue.ClaimCommand(daemon.KeyId, next.Request, now));
        }
    }

    /// <summary>The error code a daemon fails a job with when it stopped because of a cancel.</summary>
    public const string CanceledErrorCode = "canceled";

    /// <summary>Locks the job's row (<see cref="JobStore.LockForDaemonAsync"/>) and checks that this daemon may act on it.</summary>
    private static async Task<(DaemonJobOutcome Refusal, LockedJob Row)> LockAsync(
        NpgsqlTransaction transaction, DaemonIdentity daemon, Guid jobId, DateTimeOffset? heartbeat, CancellationToken cancellationToken)
    {
        var row = await JobStore.LockForDaemonAsync(transaction, jobId, heartbeat, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.NotFound, $"there is no job {jobId}"),
                new LockedJob(ProvisionerJobType.WorkspaceBuild, null, null, false, false, null, false));
        }

        if (row.StartedAt is null)
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.NotStarted, "the job isn't running yet: acquire it first"), row);
        }

        if (row.WorkerKey != daemon.KeyId)
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.NotOwner, "you don't own this job: another daemon acquired it"), row);
        }

        if (row.Completed)
        {
            return (new DaemonJobOutcome(DaemonJobRefusal.AlreadyCompleted,
                "the job has already completed" + (string.IsNullOrEmpty(row.Error) ? string.Empty : $": {row.Error}") + "; stop working on it"), row);
        }

        return (new DaemonJobOutcome(DaemonJobRefusal.None), row);
    }
}

/// <summary>What a completed build means for metrics.</summary>
internal sealed record BuildCompletion(Guid WorkspaceId, WorkspaceTransition Transition, int BuildNumber, bool Canceled, string TemplateName)
{
    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset CompletedAt { get; init; }

    public string? PresetName { get; init; }

    public PrebuildStage Stage { get; init; }

    public Guid OwnerId { get; init; }
}
