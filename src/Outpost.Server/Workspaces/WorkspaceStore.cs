using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;

namespace Outpost.Server.Workspaces;

/// <summary>A build to queue: which version, which transition, why, for whom, with which values.</summary>
internal sealed record BuildRequest(
    BuildableVersion Version, WorkspaceTransition Transition, BuildReason Reason, Guid InitiatorId, IReadOnlyList<ParameterValue> Parameters);

/// <summary>Why a build was not queued.</summary>
internal enum EnqueueRefusal
{
    None,
    NameTaken,
    WorkspaceGone,
    BuildActive,
}

/// <summary>SQL for workspaces and builds. Listings never read provisioner state.</summary>
internal sealed class WorkspaceStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<Workspace?> GetAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{JobRows.WorkspaceSelect} WHERE w.id = $1");
        command.With(workspaceId);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A live (not deleted) workspace by owner and case-insensitive name.</summary>
    public async Task<Workspace?> GetByNameAsync(Guid ownerId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{JobRows.WorkspaceSelect} WHERE w.owner_id = $1 AND lower(w.name) = lower($2) AND NOT w.deleted");
        command.With(ownerId).With(name);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<List<string>> ListNamesAsync(Guid ownerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM workspaces WHERE owner_id = $1 AND NOT deleted ORDER BY name");
        command.With(ownerId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>One page of live workspaces, oldest first; null filters match everything.</summary>
    public async Task<List<Workspace>> ListAsync(
        Guid? ownerId, string? templateName, string[]? statusPairs, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            {JobRows.WorkspaceSelect}
            WHERE NOT w.deleted
              AND ($1::uuid IS NULL OR w.owner_id = $1)
              AND ($2::text IS NULL OR lower(t.name) = lower($2))
              AND ($3::text[] IS NULL OR (j.job_status || ':' || b.transition) = ANY($3))
              AND ($4::uuid IS NULL OR (w.created_at, w.id) > (SELECT created_at, id FROM workspaces WHERE id = $4))
            ORDER BY w.created_at, w.id
            LIMIT $5
            """);
        command.With(ownerId).With(templateName).With(statusPairs).With(after).With(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var workspaces = new List<Workspace>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            workspaces.Add(JobRows.ReadWorkspace(reader));
        }

        return workspaces;
    }

    /// <summary>Creates the workspace with its first build (and job) in one transaction.</summary>
    public async Task<(Guid WorkspaceId, Guid JobId, EnqueueRefusal Refusal)> CreateAsync(
        Guid ownerId, string name, BuildRequest build, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var workspaceId = Guid.CreateVersion7(now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO workspaces (id, owner_id, template_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
            """, connection, transaction))
        {
            insert.With(workspaceId).With(ownerId).With(build.Version.TemplateId).With(name).With(now);
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return (workspaceId, Guid.Empty, EnqueueRefusal.NameTaken);
            }
        }

        var jobId = await InsertBuildAsync(transaction, workspaceId, 1, build, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (workspaceId, jobId, EnqueueRefusal.None);
    }

    /// <summary>
    /// Queues the next build. The workspace row is locked first, so two concurrent requests see each
    /// other's build and the second is refused while the first is active.
    /// </summary>
    public async Task<(Guid JobId, int BuildNumber, EnqueueRefusal Refusal, string? ActiveDetail)> EnqueueAsync(
        Guid workspaceId, BuildRequest build, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var latest = new NpgsqlCommand("""
            SELECT w.deleted, b.build_number, j.job_status, b.transition
            FROM workspaces w
            JOIN LATERAL (SELECT * FROM workspace_builds lb WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
            JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE w.id = $1
            FOR UPDATE OF w
            """, connection, transaction);
        latest.With(workspaceId);
        int number;
        await using (var reader = await latest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetBoolean(0))
            {
                return (Guid.Empty, 0, EnqueueRefusal.WorkspaceGone, null);
            }

            number = reader.GetInt32(1);
            var status = WireName<ProvisionerJobStatus>.Parse(reader.GetString(2));
            if (status.IsActive())
            {
                return (Guid.Empty, number, EnqueueRefusal.BuildActive, $"build #{number} ({reader.GetString(3)}) is still {reader.GetString(2)}");
            }
        }

        var jobId = await InsertBuildAsync(transaction, workspaceId, number + 1, build, now, cancellationToken).ConfigureAwait(false);
        await using (var touch = new NpgsqlCommand("UPDATE workspaces SET updated_at = $2 WHERE id = $1", connection, transaction))
        {
            await touch.With(workspaceId).With(now).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (jobId, number + 1, EnqueueRefusal.None, null);
    }

    private static async Task<Guid> InsertBuildAsync(
        NpgsqlTransaction transaction, Guid workspaceId, int number, BuildRequest build, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var jobId = Guid.CreateVersion7(now);
        await JobStore.InsertJobAsync(transaction, jobId, ProvisionerJobType.WorkspaceBuild, build.Version.Provisioner, build.Version.FileHash,
            build.InitiatorId, now, cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO workspace_builds (id, workspace_id, template_version_id, build_number, transition, reason, initiator_id, job_id, parameters, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, transaction.Connection, transaction))
        {
            insert.With(Guid.CreateVersion7(now)).With(workspaceId).With(build.Version.Id).With(number)
                .With(WireName<WorkspaceTransition>.Name(build.Transition)).With(WireName<BuildReason>.Name(build.Reason))
                .With(build.InitiatorId).With(jobId)
                .WithJson(JsonSerializer.Serialize(build.Parameters.ToList(), OutpostJsonContext.Default.ListParameterValue))
                .With(now);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await JobEvents.JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        return jobId;
    }

    /// <summary>A build with its job, and the workspace's owner (for authorization).</summary>
    public async Task<(WorkspaceBuild? Build, Guid OwnerId)> GetBuildAsync(Guid buildId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {JobRows.BuildColumns}, {JobRows.JobColumns}, w.owner_id
            FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id JOIN workspaces w ON w.id = b.workspace_id
            WHERE b.id = $1
            """);
        command.With(buildId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (null, Guid.Empty);
        }

        return (JobRows.ReadBuild(reader, 0, JobRows.BuildColumnCount), reader.GetGuid(JobRows.BuildColumnCount + JobRows.JobColumnCount));
    }

    public async Task<List<WorkspaceBuild>> ListBuildsAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {JobRows.BuildColumns}, {JobRows.JobColumns}
            FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE b.workspace_id = $1 ORDER BY b.build_number DESC
            """);
        command.With(workspaceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var builds = new List<WorkspaceBuild>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            builds.Add(JobRows.ReadBuild(reader, 0, JobRows.BuildColumnCount));
        }

        return builds;
    }

    /// <summary>
    /// Cancels a build's job: a pending job is canceled at once (canceled_at and completed_at
    /// together); a running one becomes canceling until its daemon notices. Null when already done.
    /// </summary>
    public async Task<ProvisionerJobStatus?> CancelAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
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

    private static async Task<Workspace?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? JobRows.ReadWorkspace(reader) : null;
    }
}
