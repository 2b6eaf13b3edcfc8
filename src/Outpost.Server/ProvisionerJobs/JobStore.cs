using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Database;
using Outpost.Server.Pubsub;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>The store of <c>provisioner_jobs</c> and <c>provisioner_job_logs</c> for everything that queues, cancels or follows jobs and reads or writes their logs.</summary>
internal static class JobStore
{
    public static async Task InsertJobAsync(
        NpgsqlTransaction transaction, Guid jobId, ProvisionerJobType type, string provisioner, string fileHash,
        Guid? initiatorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, initiator_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6)
            """, transaction.Connection, transaction);
        command.With(jobId).With(WireName<ProvisionerJobType>.Name(type)).With(provisioner).With(fileHash).With(initiatorId).With(now);
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
                logs.Add(JobRows.ReadLog(reader, 1));
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

        await JobEvents.JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return WireName<ProvisionerJobStatus>.Parse(status);
    }

    /// <summary>Marks the job followed, so its writers start announcing new lines and its end.</summary>
    public static async Task MarkFollowedAsync(NpgsqlDataSource dataSource, Guid jobId, CancellationToken cancellationToken)
    {
        await using var mark = dataSource.CreateCommand("UPDATE provisioner_jobs SET followed = true WHERE id = $1 AND NOT followed");
        await mark.With(jobId).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
