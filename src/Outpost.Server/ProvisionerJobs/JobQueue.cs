using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Pubsub;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// The claim side of the <c>provisioner_jobs</c> store: claims jobs for daemons and reads what they
/// need to run them in the same statement. A daemon is named by its provisioner key's id (the job's
/// <c>worker_key</c>).
/// </summary>
internal sealed class JobQueue(NpgsqlDataSource dataSource, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(ProvisionerJobsLog.Category);

    /// <summary>
    /// The claim itself: $1 now, $2 daemon name, $3 key id, $4 provisioner types. The queue benchmark
    /// runs it bare as the baseline the HTTP path is measured against.
    /// </summary>
    internal const string ClaimStatement = """
        UPDATE provisioner_jobs SET started_at = $1, updated_at = $1, worker_name = $2, worker_key = $3
        WHERE id = (
            SELECT id FROM provisioner_jobs
            WHERE started_at IS NULL AND completed_at IS NULL AND provisioner = ANY($4)
            ORDER BY prebuild, created_at
            FOR UPDATE SKIP LOCKED
            LIMIT 1)
        RETURNING id, type, provisioner, created_at, file_hash, prebuild, job_status, completed_at, followed, trace_context
        """;

    /// <summary>
    /// The claim and everything the daemon needs to run the job, in one statement: the template
    /// archive, then the template version (imports) or the build with its workspace and the newest
    /// provisioner state an earlier build stored (builds; a build that failed before apply stores
    /// none, one whose apply failed stores what the apply left, so a rebuild continues from what
    /// exists). The change columns come last.
    /// </summary>
    private const string ClaimWithJobStatement = $"""
        WITH j AS ({ClaimStatement})
        SELECT j.type, j.provisioner, j.created_at, j.prebuild, f.hash,
               v.id,
               b.workspace_id, u.username, t.name, b.template_version_id, b.parameters, b.reason,
               (SELECT s.state FROM provisioner_states s JOIN workspace_builds pb ON pb.id = s.build_id
                WHERE pb.workspace_id = b.workspace_id AND pb.build_number < b.build_number
                ORDER BY pb.build_number DESC LIMIT 1),
               bv.modules_file_hash,
               b.prebuild_stage,
               j.trace_context,
               {JobStore.ChangeColumns}
        FROM j
        LEFT JOIN files f ON f.hash = j.file_hash
        LEFT JOIN template_versions v ON v.job_id = j.id
        {JobStore.ChangeJoins}
        LEFT JOIN users u ON u.id = w.owner_id
        LEFT JOIN templates t ON t.id = w.template_id
        LEFT JOIN template_versions bv ON bv.id = b.template_version_id
        """;

    private const int ChangeOrdinal = 16;

    private const string Invalidated = "Outpost: the job was invalidated: its template version or build no longer exists";

    /// <summary>
    /// Claims the next job in one statement: human jobs before prebuild jobs, then oldest first;
    /// rows another daemon is claiming are skipped, never waited for or handed out twice.
    /// </summary>
    public async Task<(AcquiredJob? Job, double QueueWaitSeconds, string[] Labels)> TryAcquireAsync(
        string workerKey, AcquireJobRequest request, string accessUrl, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var outbox = new PubsubOutbox(_logger);
        var claim = await ClaimAsync(transaction, outbox, workerKey, request, accessUrl, cancellationToken).ConfigureAwait(false);
        if (claim.Job is null && claim.Invalidated is null)
        {
            return (null, 0, []);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await outbox.PublishAsync(connection).ConfigureAwait(false);
        return Committed(claim);
    }

    /// <summary>What a claim inside the caller's transaction found; see <see cref="Committed"/>.</summary>
    internal sealed record Claim(AcquiredJob? Job, Guid? Invalidated, double QueueWaitSeconds, string[] Labels);

    /// <summary>Call once the claim's transaction has committed: logs an invalidated job and returns what to hand out.</summary>
    public (AcquiredJob? Job, double QueueWaitSeconds, string[] Labels) Committed(Claim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.Invalidated is { } invalidated)
        {
            ProvisionerJobsLog.JobInvalidated(_logger, invalidated, Invalidated);
        }

        return (claim.Job, claim.QueueWaitSeconds, claim.Labels);
    }

    /// <summary>
    /// The claim inside the caller's transaction. The caller commits, then calls
    /// <see cref="Committed"/>. A job whose payload is gone is failed in the same transaction and
    /// reported as <see cref="Claim.Invalidated"/>.
    /// </summary>
    public async Task<Claim> ClaimAsync(
        NpgsqlTransaction transaction, PubsubOutbox outbox, string workerKey, AcquireJobRequest request, string accessUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var now = time.GetUtcNow();
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        batch.BatchCommands.Add(ClaimCommand(workerKey, request, now));
        ClaimedRow? row;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            row = await ReadClaimAsync(reader, accessUrl, cancellationToken).ConfigureAwait(false);
        }

        return await FinishClaimAsync(transaction, outbox, row, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The claim as a batch command, so a completion can send it with its own statements (acquire_next).</summary>
    public NpgsqlBatchCommand ClaimCommand(string workerKey, AcquireJobRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var command = new NpgsqlBatchCommand(ClaimWithJobStatement);
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = request.DaemonName });
        command.Parameters.Add(new NpgsqlParameter { Value = workerKey });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Provisioners.ToArray() });
        return command;
    }

    /// <summary>A claimed row as read, before <see cref="FinishClaimAsync"/> decides whether it can be handed out.</summary>
    internal sealed record ClaimedRow(AcquiredJob Job, JobChange Change, string Transition, string Reason);

    /// <summary>Reads the claim's result set, where <paramref name="reader"/> stands; null when no job was waiting.</summary>
    public static async Task<ClaimedRow?> ReadClaimAsync(NpgsqlDataReader reader, string accessUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var change = JobStore.ReadChange(reader, ChangeOrdinal);
        var type = WireName<ProvisionerJobType>.Parse(reader.GetString(0));
        var prebuild = reader.GetBoolean(3);
        var archive = reader.IsDBNull(4) ? null : reader.GetString(4);
        var job = new AcquiredJob
        {
            JobId = change.JobId,
            Type = type,
            Provisioner = reader.GetString(1),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(2),
            TemplateFileHash = archive ?? string.Empty,
            TraceContext = reader.IsDBNull(15) ? null : reader.GetString(15),
        };
        string transition = string.Empty, reason = string.Empty;
        // Without its archive, version or build a job is left as neither kind and invalidated later.
        if (archive is not null && type == ProvisionerJobType.TemplateVersionImport && !reader.IsDBNull(5))
        {
            job = job with { TemplateImport = new TemplateImportJob { TemplateVersionId = reader.GetGuid(5) } };
        }
        else if (archive is not null && type == ProvisionerJobType.WorkspaceBuild && change.Build is { } build)
        {
            transition = WireName<WorkspaceTransition>.Name(build.Transition);
            // The metrics label prebuilds "prebuild" whatever reason their build records (coder-spec §7).
            reason = prebuild ? "prebuild" : reader.GetString(11);
            job = job with
            {
                ModulesFileHash = reader.IsDBNull(13) ? null : reader.GetString(13),
                WorkspaceBuild = new WorkspaceBuildJob
                {
                    BuildId = build.BuildId,
                    WorkspaceId = build.WorkspaceId,
                    WorkspaceName = build.WorkspaceName,
                    OwnerId = build.OwnerId,
                    OwnerName = reader.GetString(7),
                    TemplateName = reader.GetString(8),
                    TemplateVersionId = reader.GetGuid(9),
                    BuildNumber = build.BuildNumber,
                    Transition = build.Transition,
                    Parameters = JsonSerializer.Deserialize(reader.GetString(10), OutpostJsonContext.Default.ListParameterValue) ?? [],
                    PreviousState = reader.IsDBNull(12) ? [] : reader.GetFieldValue<byte[]>(12),
                    AccessUrl = accessUrl,
                    PrebuildStage = reader.IsDBNull(14) ? PrebuildStage.None : WireName<PrebuildStage>.Parse(reader.GetString(14)),
                },
            };
        }

        return new ClaimedRow(job, change, transition, reason);
    }

    /// <summary>
    /// After the claim's reader is closed: a job without its payload is failed (upstream's "request
    /// job was invalidated"), otherwise its change is announced through the outbox.
    /// </summary>
    public static async Task<Claim> FinishClaimAsync(
        NpgsqlTransaction transaction, PubsubOutbox outbox, ClaimedRow? row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(outbox);
        if (row is null)
        {
            return new Claim(null, null, 0, []);
        }

        var job = row.Job;
        if (job.TemplateImport is null && job.WorkspaceBuild is null)
        {
            // Fail it so the user can retry; never hand out half a job.
            await using var invalidate = new NpgsqlCommand(
                "UPDATE provisioner_jobs SET completed_at = $2, error = $3, error_code = 'invalid_job' WHERE id = $1", transaction.Connection, transaction);
            await invalidate.With(job.JobId).With(now).With(Invalidated).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await JobStore.JobChangedAsync(transaction, job.JobId, cancellationToken).ConfigureAwait(false);
            return new Claim(null, job.JobId, 0, []);
        }

        JobEvents.Announce(outbox, row.Change);
        return new Claim(job, null, QueueMetrics.QueueWaitSeconds(job.CreatedAt, now),
            [job.Provisioner, WireName<ProvisionerJobType>.Name(job.Type), row.Transition, row.Reason]);
    }
}
