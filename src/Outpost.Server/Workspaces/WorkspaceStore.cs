using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Templates;

namespace Outpost.Server.Workspaces;

/// <summary>A build to queue: which version, which transition, why, for whom, with which values.</summary>
internal sealed record BuildRequest(
    BuildableVersion Version, WorkspaceTransition Transition, BuildReason Reason, Guid InitiatorId, IReadOnlyList<ParameterValue> Parameters)
{
    /// <summary>The preset the build was made with, if any.</summary>
    public string? PresetName { get; init; }

    /// <summary>Its place in a prebuilt workspace's life (docs/prebuilds.md).</summary>
    public PrebuildStage Stage { get; init; }
}

/// <summary>The build a provisioner job builds, as its completion needs it.</summary>
internal sealed record BuildOfJob(Guid BuildId, Guid WorkspaceId, WorkspaceTransition Transition, int BuildNumber, string TemplateName)
{
    public string? PresetName { get; init; }

    public PrebuildStage Stage { get; init; }

    public Guid OwnerId { get; init; }
}

/// <summary>
/// Work done in the transaction that creates a workspace, after its row is written and before its
/// first build is queued (a task's row, for example); a refusal rolls the workspace back.
/// </summary>
internal delegate Task<BuildRefusal?> WorkspaceCreationHook(NpgsqlTransaction transaction, Guid workspaceId, BuildableVersion version, CancellationToken cancellationToken);

/// <summary>Why a build was not queued.</summary>
internal enum EnqueueRefusal
{
    None,
    NameTaken,
    WorkspaceGone,
    BuildActive,
}

/// <summary>
/// The store of workspaces, their builds, resources and provisioner state. Listings never read
/// provisioner state. A workspace and a build are read with their build's job in one statement
/// (joined through <see cref="JobStore.JobColumns"/>), so a list is one query, not one per row.
/// </summary>
internal sealed partial class WorkspaceStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>9 columns of <c>workspace_builds b</c>.</summary>
    private const string BuildColumns =
        "b.id, b.workspace_id, b.build_number, b.transition, b.reason, b.template_version_id, b.initiator_id, b.parameters, b.created_at";

    private const int BuildColumnCount = 9;

    /// <summary>9 columns of <c>workspaces w</c> with its owner's name <c>u</c> and template <c>t</c>.</summary>
    private const string WorkspaceColumns =
        "w.id, w.name, w.owner_id, u.username, w.template_id, t.name, w.created_at, w.updated_at, w.deleted";

    private const int WorkspaceColumnCount = 9;

    /// <summary>A workspace with its latest build and that build's job, in that column order (<see cref="ReadWorkspace"/>).</summary>
    private const string WorkspaceSelect = $"""
        SELECT {WorkspaceColumns}, {BuildColumns}, {JobStore.JobColumns}
        FROM workspaces w
        JOIN users u ON u.id = w.owner_id
        JOIN templates t ON t.id = w.template_id
        JOIN LATERAL (SELECT * FROM workspace_builds lb WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
        JOIN provisioner_jobs j ON j.id = b.job_id
        """;

    public async Task<Workspace?> GetAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{WorkspaceSelect} WHERE w.id = $1");
        command.With(workspaceId);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A live (not deleted) workspace by owner and case-insensitive name.</summary>
    public async Task<Workspace?> GetByNameAsync(Guid ownerId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{WorkspaceSelect} WHERE w.owner_id = $1 AND lower(w.name) = lower($2) AND NOT w.deleted");
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
            {WorkspaceSelect}
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
            workspaces.Add(ReadWorkspace(reader));
        }

        return workspaces;
    }

    /// <summary>
    /// Creates the workspace with its first build (and job) in one transaction; <paramref name="hook"/>
    /// runs in it after the workspace row is written, and a refusal from it rolls everything back.
    /// </summary>
    public async Task<(Guid WorkspaceId, Guid JobId, EnqueueRefusal Refusal, BuildRefusal? HookRefusal)> CreateAsync(
        Guid ownerId, string name, BuildRequest build, WorkspaceCreationHook? hook, CancellationToken cancellationToken)
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
                return (workspaceId, Guid.Empty, EnqueueRefusal.NameTaken, null);
            }
        }

        if (hook is not null && await hook(transaction, workspaceId, build.Version, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return (workspaceId, Guid.Empty, EnqueueRefusal.None, refused);
        }

        var jobId = await InsertBuildAsync(transaction, workspaceId, 1, build, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (workspaceId, jobId, EnqueueRefusal.None, null);
    }

    /// <summary>
    /// Queues the next build. The workspace row is locked first, in its own statement, so two
    /// concurrent requests see each other's build and the second is refused while the first is
    /// active. (Locking the row in the statement that also reads the latest build is not enough: under
    /// READ COMMITTED a waiter re-checks only the locked row after the wait, and would still see the
    /// build list of its first snapshot and insert a duplicate build number.)
    /// </summary>
    /// <remarks>
    /// With <paramref name="expectedOwner"/> the build is queued only while the workspace still has
    /// that owner (checked under the row lock): the prebuild reconciler never deletes a workspace a
    /// user claimed after it planned the delete.
    /// </remarks>
    public async Task<(Guid JobId, int BuildNumber, EnqueueRefusal Refusal, string? ActiveDetail)> EnqueueAsync(
        Guid workspaceId, BuildRequest build, CancellationToken cancellationToken, Guid? expectedOwner = null)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockRow = new NpgsqlCommand("SELECT deleted, owner_id FROM workspaces WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.With(workspaceId);
            await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetBoolean(0)
                || (expectedOwner is { } owner && reader.GetGuid(1) != owner))
            {
                return (Guid.Empty, 0, EnqueueRefusal.WorkspaceGone, null);
            }
        }

        await using var latest = new NpgsqlCommand(
            "SELECT b.build_number, b.job_id, b.transition FROM workspace_builds b WHERE b.workspace_id = $1 ORDER BY b.build_number DESC LIMIT 1",
            connection, transaction);
        latest.With(workspaceId);
        int number;
        Guid latestJobId;
        string latestTransition;
        await using (var reader = await latest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (Guid.Empty, 0, EnqueueRefusal.WorkspaceGone, null);
            }

            (number, latestJobId, latestTransition) = (reader.GetInt32(0), reader.GetGuid(1), reader.GetString(2));
        }

        if (await JobStore.GetStatusAsync(transaction, latestJobId, cancellationToken).ConfigureAwait(false) is { } status && status.IsActive())
        {
            var statusName = WireName<ProvisionerJobStatus>.Name(status);
            return (Guid.Empty, number, EnqueueRefusal.BuildActive, $"build #{number} ({latestTransition}) is still {statusName}");
        }

        Guid jobId;
        try
        {
            jobId = await InsertBuildAsync(transaction, workspaceId, number + 1, build, now, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Only a writer that bypassed the row lock could get here; still a refusal, never a 500.
            return (Guid.Empty, number + 1, EnqueueRefusal.BuildActive, $"build #{number + 1} was queued at the same moment");
        }

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
        // Prebuild jobs wait behind every job a person waits for (coder-spec §7); a claim is a person's.
        await JobStore.InsertJobAsync(transaction, jobId, ProvisionerJobType.WorkspaceBuild, build.Version.Provisioner, build.Version.FileHash,
            build.InitiatorId, now, cancellationToken, prebuild: build.InitiatorId == PrebuiltWorkspaces.SystemUserId).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO workspace_builds (id, workspace_id, template_version_id, build_number, transition, reason, initiator_id, job_id, parameters, created_at,
                                          preset_name, prebuild_stage)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """, transaction.Connection, transaction))
        {
            insert.With(Guid.CreateVersion7(now)).With(workspaceId).With(build.Version.Id).With(number)
                .With(WireName<WorkspaceTransition>.Name(build.Transition)).With(WireName<BuildReason>.Name(build.Reason))
                .With(build.InitiatorId).With(jobId)
                .WithJson(JsonSerializer.Serialize(build.Parameters.ToList(), OutpostJsonContext.Default.ListParameterValue))
                .With(now).With(build.PresetName).With(build.Stage == PrebuildStage.None ? null : WireName<PrebuildStage>.Name(build.Stage));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await JobStore.JobChangedAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        return jobId;
    }

    /// <summary>A build with its job, and the workspace's owner (for authorization).</summary>
    public async Task<(WorkspaceBuild? Build, Guid OwnerId)> GetBuildAsync(Guid buildId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {BuildColumns}, {JobStore.JobColumns}, w.owner_id
            FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id JOIN workspaces w ON w.id = b.workspace_id
            WHERE b.id = $1
            """);
        command.With(buildId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (null, Guid.Empty);
        }

        return (ReadBuild(reader, 0, BuildColumnCount), reader.GetGuid(BuildColumnCount + JobStore.JobColumnCount));
    }

    public async Task<List<WorkspaceBuild>> ListBuildsAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {BuildColumns}, {JobStore.JobColumns}
            FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE b.workspace_id = $1 ORDER BY b.build_number DESC
            """);
        command.With(workspaceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var builds = new List<WorkspaceBuild>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            builds.Add(ReadBuild(reader, 0, BuildColumnCount));
        }

        return builds;
    }

    /// <summary>Cancels a build's job (<see cref="JobStore.CancelAsync"/>); null when it has already completed.</summary>
    public Task<ProvisionerJobStatus?> CancelAsync(Guid jobId, CancellationToken cancellationToken) =>
        JobStore.CancelAsync(dataSource, jobId, time.GetUtcNow(), cancellationToken);

    /// <summary>The build a job builds, read in the completing transaction.</summary>
    public static async Task<BuildOfJob> GetBuildOfJobAsync(NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var select = new NpgsqlCommand("""
            SELECT b.id, b.workspace_id, b.transition, b.build_number, t.name, b.preset_name, b.prebuild_stage, w.owner_id
            FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id JOIN templates t ON t.id = w.template_id
            WHERE b.job_id = $1
            """, transaction.Connection, transaction);
        select.With(jobId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Build job {jobId} has no build.");
        }

        return new BuildOfJob(reader.GetGuid(0), reader.GetGuid(1), WireName<WorkspaceTransition>.Parse(reader.GetString(2)), reader.GetInt32(3), reader.GetString(4))
        {
            PresetName = reader.IsDBNull(5) ? null : reader.GetString(5),
            Stage = reader.IsDBNull(6) ? PrebuildStage.None : WireName<PrebuildStage>.Parse(reader.GetString(6)),
            OwnerId = reader.GetGuid(7),
        };
    }

    /// <summary>The statement that records a resource a build job made.</summary>
    public static NpgsqlBatchCommand InsertResourceCommand(Guid resourceId, Guid jobId, string name, string type, DateTimeOffset now) =>
        CommandExtensions.Batch("INSERT INTO workspace_resources (id, job_id, name, type, created_at) VALUES ($1, $2, $3, $4, $5)", resourceId, jobId, name, type, now);

    /// <summary>The statement that stores (or replaces) a build's provisioner state.</summary>
    public static NpgsqlBatchCommand SaveStateCommand(Guid buildId, byte[] state) =>
        CommandExtensions.Batch("INSERT INTO provisioner_states (build_id, state) VALUES ($1, $2) ON CONFLICT (build_id) DO UPDATE SET state = EXCLUDED.state", buildId, state);

    /// <summary>The statement that touches the workspace after a build, marking it deleted after a successful delete build.</summary>
    public static NpgsqlBatchCommand TouchCommand(Guid workspaceId, bool deleted, DateTimeOffset now) => deleted
        ? CommandExtensions.Batch("UPDATE workspaces SET deleted = true, updated_at = $2 WHERE id = $1", workspaceId, now)
        : CommandExtensions.Batch("UPDATE workspaces SET updated_at = $2 WHERE id = $1", workspaceId, now);

    private static async Task<Workspace?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadWorkspace(reader) : null;
    }

    /// <summary>
    /// Every "job_status:transition" pair that derives <paramref name="status"/> (coder-spec §6,
    /// <see cref="StatusRules.WorkspaceStatusOf"/>): how a listing filters by status in SQL without a
    /// second copy of the rule.
    /// </summary>
    public static string[] StatusPairsFor(WorkspaceStatus status) =>
    [
        .. from job in Enum.GetValues<ProvisionerJobStatus>()
           from transition in Enum.GetValues<WorkspaceTransition>()
           where StatusRules.WorkspaceStatusOf(job, transition) == status
           select $"{WireName<ProvisionerJobStatus>.Name(job)}:{WireName<WorkspaceTransition>.Name(transition)}",
    ];

    /// <summary>Reads a build at <paramref name="at"/> whose job follows at <paramref name="jobAt"/>.</summary>
    private static WorkspaceBuild ReadBuild(NpgsqlDataReader reader, int at, int jobAt)
    {
        var job = JobStore.ReadJob(reader, jobAt);
        var transition = WireName<WorkspaceTransition>.Parse(reader.GetString(at + 3));
        return new WorkspaceBuild
        {
            Id = reader.GetGuid(at),
            WorkspaceId = reader.GetGuid(at + 1),
            BuildNumber = reader.GetInt32(at + 2),
            Transition = transition,
            Reason = WireName<BuildReason>.Parse(reader.GetString(at + 4)),
            TemplateVersionId = reader.GetGuid(at + 5),
            InitiatorId = reader.GetNullable<Guid>(at + 6),
            Parameters = JsonSerializer.Deserialize(reader.GetString(at + 7), OutpostJsonContext.Default.ListParameterValue) ?? [],
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(at + 8),
            Job = job,
            Status = StatusRules.WorkspaceStatusOf(job.Status, transition),
        };
    }

    /// <summary>Reads a row of <see cref="WorkspaceSelect"/>.</summary>
    private static Workspace ReadWorkspace(NpgsqlDataReader reader)
    {
        var build = ReadBuild(reader, WorkspaceColumnCount, WorkspaceColumnCount + BuildColumnCount);
        return new Workspace
        {
            Id = reader.GetGuid(0),
            Name = reader.GetString(1),
            OwnerId = reader.GetGuid(2),
            OwnerName = reader.GetString(3),
            TemplateId = reader.GetGuid(4),
            TemplateName = reader.GetString(5),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(6),
            UpdatedAt = reader.GetFieldValue<DateTimeOffset>(7),
            Deleted = reader.GetBoolean(8),
            LatestBuild = build,
            Status = build.Status,
        };
    }
}
