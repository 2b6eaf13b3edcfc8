using System.Diagnostics;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;
using Outpost.Server.Diagnostics;
using Outpost.Server.Pubsub;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>A job row as a daemon's call finds it under its lock.</summary>
internal sealed record LockedJob(
    ProvisionerJobType Type, string? WorkerKey, DateTimeOffset? StartedAt, bool Completed, bool Canceled, string? Error, bool Followed);

/// <summary>A stale job the reaper holds locked: whether it never started, when it was last touched, the stage of its last log line.</summary>
internal sealed record StaleJob(bool Pending, DateTimeOffset UpdatedAt, string Stage);

/// <summary>
/// The store of <c>provisioner_jobs</c> and <c>provisioner_job_logs</c>: every statement that writes
/// or locks a job lives here (queueing, cancelling, logs, the daemon API's heartbeats, completions
/// and failures, the reaper's) and in <see cref="JobQueue"/> (the claim). Other stores
/// join a job only through <see cref="JobColumns"/> and <see cref="ReadJob"/>, for read models that
/// carry the job.
/// </summary>
internal static class JobStore
{
    /// <summary>10 columns of <c>provisioner_jobs j</c>, read by <see cref="ReadJob"/>.</summary>
    public const string JobColumns =
        "j.id, j.type, j.job_status, j.created_at, j.started_at, j.canceled_at, j.completed_at, j.error, j.error_code, j.worker_name";

    public const int JobColumnCount = 10;

    public static ProvisionerJob ReadJob(NpgsqlDataReader reader, int at) => new()
    {
        Id = reader.GetGuid(at),
        Type = WireName<ProvisionerJobType>.Parse(reader.GetString(at + 1)),
        Status = WireName<ProvisionerJobStatus>.Parse(reader.GetString(at + 2)),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(at + 3),
        StartedAt = reader.GetNullable<DateTimeOffset>(at + 4),
        CanceledAt = reader.GetNullable<DateTimeOffset>(at + 5),
        CompletedAt = reader.GetNullable<DateTimeOffset>(at + 6),
        Error = reader.GetNullableString(at + 7),
        ErrorCode = reader.GetNullableString(at + 8),
        WorkerName = reader.GetNullableString(at + 9),
    };

    /// <summary>A job's status; null when there is no such job.</summary>
    public static async Task<ProvisionerJobStatus?> GetStatusAsync(NpgsqlDataSource dataSource, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(StatusQuery);
        return await ReadStatusAsync(command.With(jobId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A job's status as the caller's transaction sees it; null when there is no such job.</summary>
    public static async Task<ProvisionerJobStatus?> GetStatusAsync(NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var command = new NpgsqlCommand(StatusQuery, transaction.Connection, transaction);
        return await ReadStatusAsync(command.With(jobId), cancellationToken).ConfigureAwait(false);
    }

    private const string StatusQuery = "SELECT job_status FROM provisioner_jobs WHERE id = $1";

    private static async Task<ProvisionerJobStatus?> ReadStatusAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string status ? WireName<ProvisionerJobStatus>.Parse(status) : null;

    public static async Task InsertJobAsync(
        NpgsqlTransaction transaction, Guid jobId, ProvisionerJobType type, string provisioner, string fileHash,
        Guid? initiatorId, DateTimeOffset now, CancellationToken cancellationToken, bool prebuild = false)
    {
        // The job continues the caller's trace (issue 24): the enqueue span's context is what the daemon picks up.
        using var enqueue = ServerDiagnostics.ActivitySource.StartActivity("enqueue job");
        enqueue?.SetTag("outpost.job.id", jobId.ToString("D"));
        enqueue?.SetTag("outpost.provisioner", provisioner);
        var trace = (enqueue ?? Activity.Current) is { IdFormat: ActivityIdFormat.W3C } span ? span.Id : null;
        await using var command = new NpgsqlCommand("""
            INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, initiator_id, created_at, updated_at, prebuild, trace_context)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)
            """, transaction.Connection, transaction);
        command.With(jobId).With(WireName<ProvisionerJobType>.Name(type)).With(provisioner).With(fileHash).With(initiatorId).With(now).With(prebuild).With(trace);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await JobEvents.WakeDaemonsAsync(transaction, provisioner, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends lines in one statement (arrays unnested server-side), oldest first. With
    /// <paramref name="announce"/>, followers are told through <paramref name="outbox"/> after the
    /// commit when one is given, else inside the transaction.
    /// </summary>
    public static async Task<long?> AppendLogsAsync(
        NpgsqlTransaction transaction, Guid jobId, IReadOnlyList<ProvisionerLogLine> lines, PubsubOutbox? outbox, bool announce, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return null;
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO provisioner_job_logs (job_id, created_at, level, source, stage, output)
            SELECT $1, l.created_at, l.level, l.source, l.stage, l.output
            FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
                 AS l(created_at, level, source, stage, output, n)
            ORDER BY l.n
            RETURNING id
            """, transaction.Connection, transaction);
        command.With(jobId)
            .With(lines.Select(l => l.CreatedAt).ToArray())
            .With(lines.Select(l => WireName<ProvisionerLogLevel>.Name(l.Level)).ToArray())
            .With(lines.Select(l => WireName<ProvisionerLogSource>.Name(l.Source)).ToArray())
            .With(lines.Select(l => l.Stage).ToArray())
            // PostgreSQL text cannot hold NUL; a provisioner may print one.
            .With(lines.Select(l => l.Output.Replace("\0", string.Empty, StringComparison.Ordinal)).ToArray());
        long lowest = long.MaxValue;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                lowest = Math.Min(lowest, reader.GetInt64(0));
            }
        }

        if (announce && outbox is null)
        {
            await JobEvents.LogsAddedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        }
        else if (announce)
        {
            JobEvents.LogsAdded(outbox!, jobId);
        }

        return lowest;
    }

    /// <summary>The job's lines after <paramref name="after"/>, and whether the job has completed (read in the same statement).</summary>
    public static async Task<(List<ProvisionerJobLog> Logs, bool Completed)> ReadLogsAsync(
        NpgsqlDataSource dataSource, Guid jobId, long after, CancellationToken cancellationToken)
    {
        // The completion flag is read before the lines in one snapshot, so lines written before
        // completion are never missed by a follower that stops at "completed".
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT completed_at IS NOT NULL FROM provisioner_jobs WHERE id = $1), l.id, l.created_at, l.level, l.source, l.stage, l.output
            FROM (SELECT 1) AS one
            LEFT JOIN provisioner_job_logs l ON l.job_id = $1 AND l.id > $2
            ORDER BY l.id
            """);
        command.With(jobId).With(after);
        var logs = new List<ProvisionerJobLog>();
        var completed = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            completed = !reader.IsDBNull(0) && reader.GetBoolean(0);
            if (!reader.IsDBNull(1))
            {
                logs.Add(ReadLog(reader, 1));
            }
        }

        return (logs, completed);
    }

    /// <summary>
    /// Cancels a job: a pending job is canceled at once (canceled_at and completed_at together); a
    /// running one becomes canceling until its daemon notices. Null when it has already completed.
    /// </summary>
    public static async Task<ProvisionerJobStatus?> CancelAsync(NpgsqlDataSource dataSource, Guid jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var cancel = new NpgsqlCommand("""
            UPDATE provisioner_jobs
            SET canceled_at = $2, updated_at = $2, completed_at = CASE WHEN started_at IS NULL THEN $2 ELSE NULL END
            WHERE id = $1 AND completed_at IS NULL AND canceled_at IS NULL
            RETURNING job_status
            """, connection, transaction);
        cancel.With(jobId).With(now);
        if (await cancel.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string status)
        {
            return null;
        }

        await JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return WireName<ProvisionerJobStatus>.Parse(status);
    }

    /// <summary>
    /// Marks the job followed, so its writers start announcing new lines and its end. The mark
    /// locks the job's row for a moment, and a daemon's claim skips locked rows (<c>SKIP
    /// LOCKED</c>): a daemon woken for this job at that moment finds nothing and waits for the
    /// next wake. So a mark that finds the job still queued wakes the daemons again, in its own
    /// statement, delivered when the mark commits and the row is free.
    /// </summary>
    public static async Task MarkFollowedAsync(NpgsqlDataSource dataSource, Guid jobId, CancellationToken cancellationToken)
    {
        await using var mark = dataSource.CreateCommand("""
            WITH marked AS (
                UPDATE provisioner_jobs SET followed = true WHERE id = $1 AND NOT followed
                RETURNING provisioner, started_at IS NULL AND completed_at IS NULL AS queued)
            SELECT pg_notify($2, provisioner) FROM marked WHERE queued
            """);
        mark.With(jobId).With(JobEvents.WakeChannel);
        await using var reader = await mark.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            PubsubMetrics.Published.Add(1);
        }
    }

    private static ProvisionerJobLog ReadLog(NpgsqlDataReader reader, int at) => new()
    {
        Id = reader.GetInt64(at),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(at + 1),
        Level = WireName<ProvisionerLogLevel>.Parse(reader.GetString(at + 2)),
        Source = WireName<ProvisionerLogSource>.Parse(reader.GetString(at + 3)),
        Stage = reader.GetString(at + 4),
        Output = reader.GetString(at + 5),
    };

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
    private static string UpdateAndReadChange(string update) =>
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
    /// Announces that a job changed state (<see cref="JobEvents.PublishAsync"/>), reading what changed
    /// inside the caller's transaction, so the messages go out only if the change commits.
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

        await JobEvents.PublishAsync(transaction, change, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs an <see cref="UpdateAndReadChange"/> statement and adds the change it returns to the outbox.</summary>
    private static async Task UpdateAndAnnounceAsync(PubsubOutbox outbox, NpgsqlCommand update, CancellationToken cancellationToken)
    {
        JobChange change;
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // The caller holds the row's lock, so the update cannot miss it.
                throw new InvalidOperationException("The locked job row was not updated.");
            }

            change = ReadChange(reader, 0);
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                // Drained, so a later statement's error surfaces here.
            }
        }

        JobEvents.Announce(outbox, change);
    }

    // The daemon API: heartbeats, completions and failures, each under the job's row lock.

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
    public static NpgsqlBatchCommand CompleteImportCommand(Guid jobId, string workerKey, DateTimeOffset now) => CommandExtensions.Batch($"""
        WITH j AS (
            UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2
            WHERE id = $1 AND type = 'template_version_import' AND worker_key = $3 AND started_at IS NOT NULL AND completed_at IS NULL
            RETURNING id, job_status, completed_at, canceled_at, followed)
        SELECT {ChangeColumns}, j.canceled_at IS NOT NULL FROM j {ChangeJoins}
        """, jobId, now, workerKey);

    /// <summary>The statement that completes a locked build job; it returns <see cref="ChangeColumns"/>.</summary>
    public static NpgsqlBatchCommand CompleteBuildCommand(Guid jobId, DateTimeOffset now) =>
        CommandExtensions.Batch(UpdateAndReadChange("UPDATE provisioner_jobs SET completed_at = $2, updated_at = $2 WHERE id = $1"), jobId, now);

    // The reaper (coder-spec §7).

    /// <summary>Up to <paramref name="limit"/> uncompleted jobs, in random order, pending and untouched since <paramref name="pendingBefore"/> or running and untouched since <paramref name="runningBefore"/>.</summary>
    public static async Task<List<Guid>> FindStaleAsync(
        NpgsqlDataSource dataSource, DateTimeOffset pendingBefore, DateTimeOffset runningBefore, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var find = dataSource.CreateCommand("""
            SELECT id FROM provisioner_jobs
            WHERE completed_at IS NULL
              AND ((started_at IS NULL AND updated_at < $1) OR (started_at IS NOT NULL AND updated_at < $2))
            ORDER BY random()
            LIMIT $3
            """);
        find.With(pendingBefore).With(runningBefore).With(limit);
        var candidates = new List<Guid>();
        await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            candidates.Add(reader.GetGuid(0));
        }

        return candidates;
    }

    /// <summary>
    /// Locks an uncompleted job with SKIP LOCKED; null when it has completed or another transaction
    /// (another replica's reaper, or the daemon itself) holds it right now.
    /// </summary>
    public static async Task<StaleJob?> LockStaleAsync(NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var lockJob = new NpgsqlCommand("""
            SELECT j.job_status, j.updated_at, j.completed_at IS NOT NULL,
                   COALESCE((SELECT l.stage FROM provisioner_job_logs l WHERE l.job_id = j.id ORDER BY l.id DESC LIMIT 1), 'Unknown')
            FROM provisioner_jobs j WHERE j.id = $1 FOR UPDATE SKIP LOCKED
            """, transaction.Connection, transaction);
        lockJob.With(jobId);
        await using var reader = await lockJob.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetBoolean(2))
        {
            return null;
        }

        return new StaleJob(reader.GetString(0) == "pending", reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(3));
    }

    /// <summary>Fails a job the reaper holds (a pending one counts as started now) and announces the change.</summary>
    public static async Task FailReapedAsync(NpgsqlTransaction transaction, Guid jobId, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using (var fail = new NpgsqlCommand("""
            UPDATE provisioner_jobs
            SET completed_at = $2, updated_at = $2, started_at = COALESCE(started_at, $2), error = $3, error_code = NULL
            WHERE id = $1
            """, transaction.Connection, transaction))
        {
            fail.With(jobId).With(now).With(error);
            await fail.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
    }
}
