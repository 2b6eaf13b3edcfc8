using Npgsql;
using Outpost.Server.Database;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>A stale job the reaper holds locked: whether it never started, when it was last touched, the stage of its last log line.</summary>
internal sealed record StaleJob(bool Pending, DateTimeOffset UpdatedAt, string Stage);

/// <summary>The reaper's statements (coder-spec §7).</summary>
internal static partial class JobStore
{
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
