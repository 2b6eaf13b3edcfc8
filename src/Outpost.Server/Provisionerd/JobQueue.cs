using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;

namespace Outpost.Server.Provisionerd;

/// <summary>Claims jobs for daemons and builds what they need to run them.</summary>
internal sealed class JobQueue(NpgsqlDataSource dataSource, TimeProvider time, ILoggerFactory loggers)
{
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
        RETURNING id, type, provisioner, created_at, file_hash, prebuild
        """;

    private const string Invalidated = "Outpost: the job was invalidated: its template version or build no longer exists";

    /// <summary>
    /// Claims the next job in one statement: human jobs before prebuild jobs, then oldest first;
    /// rows another daemon is claiming are skipped, never waited for or handed out twice.
    /// </summary>
    public async Task<(AcquiredJob? Job, double QueueWaitSeconds, string[] Labels)> TryAcquireAsync(
        DaemonIdentity daemon, AcquireJobRequest request, string accessUrl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var claim = new NpgsqlCommand(ClaimStatement, connection, transaction);
        claim.With(now).With(request.DaemonName).With(daemon.KeyId).With(request.Provisioners.ToArray());
        Guid jobId;
        ProvisionerJobType type;
        string provisioner;
        DateTimeOffset createdAt;
        string fileHash;
        bool prebuild;
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (null, 0, []);
            }

            jobId = reader.GetGuid(0);
            type = WireEnum<ProvisionerJobType>.Parse(reader.GetString(1));
            provisioner = reader.GetString(2);
            createdAt = reader.GetFieldValue<DateTimeOffset>(3);
            fileHash = reader.GetString(4);
            prebuild = reader.GetBoolean(5);
        }

        var job = new AcquiredJob { JobId = jobId, Type = type, Provisioner = provisioner, CreatedAt = createdAt, TemplateArchive = [] };
        string transition = string.Empty, reason = string.Empty;
        if (type == ProvisionerJobType.TemplateVersionImport)
        {
            await using var version = new NpgsqlCommand("""
                SELECT v.id, f.data FROM template_versions v JOIN files f ON f.hash = $2 WHERE v.job_id = $1
                """, connection, transaction);
            version.With(jobId).With(fileHash);
            await using var reader = await version.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                job = job with
                {
                    TemplateArchive = reader.GetFieldValue<byte[]>(1),
                    TemplateImport = new TemplateImportJob { TemplateVersionId = reader.GetGuid(0) },
                };
            }
        }
        else
        {
            // The previous state is the newest one stored by an earlier build of the workspace; failed
            // builds store none, so a rebuild after a failure starts from the last good state.
            await using var build = new NpgsqlCommand("""
                SELECT b.id, b.workspace_id, w.name, w.owner_id, u.username, t.name, b.template_version_id, b.build_number,
                       b.transition, b.parameters, b.reason, f.data,
                       (SELECT s.state FROM provisioner_states s JOIN workspace_builds pb ON pb.id = s.build_id
                        WHERE pb.workspace_id = b.workspace_id AND pb.build_number < b.build_number
                        ORDER BY pb.build_number DESC LIMIT 1)
                FROM workspace_builds b
                JOIN workspaces w ON w.id = b.workspace_id
                JOIN users u ON u.id = w.owner_id
                JOIN templates t ON t.id = w.template_id
                JOIN files f ON f.hash = $2
                WHERE b.job_id = $1
                """, connection, transaction);
            build.With(jobId).With(fileHash);
            await using var reader = await build.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                transition = reader.GetString(8);
                // The metrics label prebuilds "prebuild" whatever reason their build records (coder-spec §7).
                reason = prebuild ? "prebuild" : reader.GetString(10);
                job = job with
                {
                    TemplateArchive = reader.GetFieldValue<byte[]>(11),
                    WorkspaceBuild = new WorkspaceBuildJob
                    {
                        BuildId = reader.GetGuid(0),
                        WorkspaceId = reader.GetGuid(1),
                        WorkspaceName = reader.GetString(2),
                        OwnerId = reader.GetGuid(3),
                        OwnerName = reader.GetString(4),
                        TemplateName = reader.GetString(5),
                        TemplateVersionId = reader.GetGuid(6),
                        BuildNumber = reader.GetInt32(7),
                        Transition = WireEnum<WorkspaceTransition>.Parse(transition),
                        Parameters = JsonSerializer.Deserialize(reader.GetString(9), OutpostJsonContext.Default.ListParameterValue) ?? [],
                        PreviousState = reader.IsDBNull(12) ? [] : reader.GetFieldValue<byte[]>(12),
                        AccessUrl = accessUrl,
                    },
                };
            }
        }

        if (job.TemplateImport is null && job.WorkspaceBuild is null)
        {
            // Upstream's "request job was invalidated": fail it so the user can retry, never hand out half a job.
            await using var invalidate = new NpgsqlCommand(
                "UPDATE provisioner_jobs SET completed_at = $2, error = $3, error_code = 'invalid_job' WHERE id = $1", connection, transaction);
            await invalidate.With(jobId).With(now).With(Invalidated).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await JobEvents.JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            ProvisionerJobsLog.JobInvalidated(loggers.CreateLogger(ProvisionerJobsLog.Category), jobId, Invalidated);
            return (null, 0, []);
        }

        await JobEvents.JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (job, QueueMetrics.QueueWaitSeconds(createdAt, now), [provisioner, WireEnum<ProvisionerJobType>.Name(type), transition, reason]);
    }
}
