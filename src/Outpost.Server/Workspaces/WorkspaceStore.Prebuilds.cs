using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Database;
using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Workspaces;

/// <summary>What a live prebuilt workspace is doing, from its latest build (docs/prebuilds.md).</summary>
internal enum PrebuildKind
{
    /// <summary>Its start build succeeded: it can be claimed once its agents are ready (<see cref="PrebuildRow.AgentsReady"/>).</summary>
    Ready,

    /// <summary>Its start build is queued or running.</summary>
    Building,

    /// <summary>Its start build failed or was canceled, or it was stopped: the reconciler deletes it.</summary>
    Failed,

    /// <summary>A delete build (or the stop before it) is queued or running.</summary>
    Deleting,

    /// <summary>Its delete build failed or was canceled: the reconciler queues it again, with the creations' backoff.</summary>
    DeleteFailed,
}

/// <summary>A live workspace of the prebuilds user, as the reconciler counts it.</summary>
internal sealed record PrebuildRow(Guid WorkspaceId, Guid TemplateId, Guid VersionId, string? Preset, PrebuildKind Kind, DateTimeOffset CreatedAt)
{
    /// <summary>For <see cref="PrebuildKind.DeleteFailed"/>: the failed delete builds since its last other build.</summary>
    public int DeleteFailures { get; init; }

    /// <summary>For <see cref="PrebuildKind.DeleteFailed"/>: when the last delete build ended.</summary>
    public DateTimeOffset LastDeleteFailure { get; init; }

    /// <summary>Every agent of its latest build reports <c>ready</c> (true when it has none): a claim may take it.</summary>
    public bool AgentsReady { get; init; }
}

/// <summary>The outcome of one finished prebuild creation (a prebuild's first build), newest first.</summary>
internal sealed record CreationOutcome(Guid VersionId, string Preset, bool Failed, DateTimeOffset CompletedAt);

/// <summary>What the reinit endpoint checks, durably, about an agent's workspace (coder-spec §4).</summary>
internal sealed record ReinitState(Guid OwnerId, Guid? FirstInitiatorId, ProvisionerJobStatus? ClaimStatus);

internal sealed partial class WorkspaceStore
{
    /// <summary>
    /// Claims a ready prebuilt workspace of <paramref name="build"/>'s version and preset for
    /// <paramref name="ownerId"/> in one transaction: the oldest one whose start build succeeded and
    /// whose agents all report <c>ready</c> (a claim never interrupts a prebuild's startup scripts:
    /// they are the preparation the pool exists for), not locked by someone else
    /// (<c>FOR UPDATE SKIP LOCKED</c>, so concurrent claims never get the same one) changes owner and
    /// name, and its claim build is queued. Null when there is none to claim (the caller builds a new
    /// workspace); <see cref="EnqueueRefusal.NameTaken"/> when the owner already has that name.
    /// </summary>
    public async Task<(Guid WorkspaceId, Guid JobId, EnqueueRefusal Refusal)?> ClaimPrebuildAsync(
        Guid ownerId, string name, BuildRequest build, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        Guid workspaceId;
        await using (var pick = new NpgsqlCommand("""
            SELECT w.id FROM workspaces w
            JOIN LATERAL (SELECT lb.id, lb.template_version_id, lb.transition, lb.job_id FROM workspace_builds lb
                          WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
            JOIN LATERAL (SELECT fb.preset_name FROM workspace_builds fb WHERE fb.workspace_id = w.id AND fb.build_number = 1) f ON true
            JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE w.owner_id = $1 AND NOT w.deleted AND b.template_version_id = $2 AND f.preset_name = $3
              AND b.transition = 'start' AND j.job_status = 'succeeded'
              AND NOT EXISTS (SELECT 1 FROM workspace_agents a WHERE a.build_id = b.id AND a.lifecycle_state <> 'ready')
            ORDER BY w.created_at, w.id
            LIMIT 1
            FOR UPDATE OF w SKIP LOCKED
            """, connection, transaction))
        {
            pick.With(PrebuiltWorkspaces.SystemUserId).With(build.Version.Id).With(build.PresetName);
            if (await pick.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not Guid picked)
            {
                return null;
            }

            workspaceId = picked;
        }

        // Re-read under the lock in a statement of its own (a fresh snapshot): a delete build the
        // reconciler committed after the pick's snapshot must not be overtaken by this claim.
        int number;
        await using (var recheck = new NpgsqlCommand("""
            SELECT w.owner_id = $2 AND NOT w.deleted AND b.transition = 'start' AND j.job_status = 'succeeded', b.build_number
            FROM workspaces w
            JOIN LATERAL (SELECT * FROM workspace_builds lb WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
            JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE w.id = $1
            """, connection, transaction))
        {
            recheck.With(workspaceId).With(PrebuiltWorkspaces.SystemUserId);
            await using var reader = await recheck.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || !reader.GetBoolean(0))
            {
                return null;
            }

            number = reader.GetInt32(1);
        }

        await using (var handOver = new NpgsqlCommand(
            "UPDATE workspaces SET owner_id = $2, name = $3, updated_at = $4 WHERE id = $1", connection, transaction))
        {
            handOver.With(workspaceId).With(ownerId).With(name).With(now);
            try
            {
                await handOver.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return (workspaceId, Guid.Empty, EnqueueRefusal.NameTaken);
            }
        }

        // The prebuild's own credentials end with it (seed 003: the prebuild token expiry).
        await ApiKeyStore.RevokeAllAsync(transaction, PrebuiltWorkspaces.SystemUserId, now, cancellationToken).ConfigureAwait(false);
        var jobId = await InsertBuildAsync(transaction, workspaceId, number + 1, build, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (workspaceId, jobId, EnqueueRefusal.None);
    }

    /// <summary>Every live workspace of the prebuilds user with its first build's preset and its latest build's version and state.</summary>
    public async Task<List<PrebuildRow>> ListPrebuildsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.id, w.template_id, b.template_version_id, f.preset_name, b.transition, j.job_status, w.created_at,
                   coalesce(j.completed_at, j.updated_at),
                   (SELECT count(*) FROM workspace_builds db JOIN provisioner_jobs dj ON dj.id = db.job_id
                    WHERE db.workspace_id = w.id AND db.transition = 'delete' AND dj.job_status IN ('failed', 'canceled')
                      AND db.build_number > coalesce((SELECT max(ob.build_number) FROM workspace_builds ob WHERE ob.workspace_id = w.id AND ob.transition <> 'delete'), 0)),
                   NOT EXISTS (SELECT 1 FROM workspace_agents a WHERE a.build_id = b.id AND a.lifecycle_state <> 'ready')
            FROM workspaces w
            JOIN LATERAL (SELECT * FROM workspace_builds lb WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
            JOIN LATERAL (SELECT fb.preset_name FROM workspace_builds fb WHERE fb.workspace_id = w.id AND fb.build_number = 1) f ON true
            JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE w.owner_id = $1 AND NOT w.deleted
            ORDER BY w.created_at, w.id
            """);
        command.With(PrebuiltWorkspaces.SystemUserId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<PrebuildRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var transition = WireName<WorkspaceTransition>.Parse(reader.GetString(4));
            var status = WireName<ProvisionerJobStatus>.Parse(reader.GetString(5));
            var kind = (transition, status.IsActive(), status) switch
            {
                (WorkspaceTransition.Delete, false, ProvisionerJobStatus.Failed or ProvisionerJobStatus.Canceled) => PrebuildKind.DeleteFailed,
                (WorkspaceTransition.Delete, _, _) => PrebuildKind.Deleting,
                (WorkspaceTransition.Start, true, _) => PrebuildKind.Building,
                (WorkspaceTransition.Start, false, ProvisionerJobStatus.Succeeded) => PrebuildKind.Ready,
                (WorkspaceTransition.Stop, true, _) => PrebuildKind.Deleting,
                _ => PrebuildKind.Failed,
            };
            rows.Add(new PrebuildRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetNullableString(3), kind, reader.GetFieldValue<DateTimeOffset>(6))
            {
                LastDeleteFailure = reader.GetFieldValue<DateTimeOffset>(7),
                DeleteFailures = (int)reader.GetInt64(8),
                AgentsReady = reader.GetBoolean(9),
            });
        }

        return rows;
    }

    /// <summary>The finished prebuild creations of these versions, newest first (at most 50 a version).</summary>
    public async Task<List<CreationOutcome>> ListCreationOutcomesAsync(IReadOnlyCollection<Guid> versionIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(versionIds);
        await using var command = dataSource.CreateCommand("""
            SELECT version_id, preset_name, failed, completed_at FROM (
                SELECT b.template_version_id AS version_id, b.preset_name, j.job_status <> 'succeeded' AS failed, j.completed_at,
                       row_number() OVER (PARTITION BY b.template_version_id ORDER BY j.completed_at DESC) AS n
                FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
                WHERE b.prebuild_stage = 'create' AND b.template_version_id = ANY($1) AND j.completed_at IS NOT NULL AND b.preset_name IS NOT NULL) o
            WHERE n <= 50
            ORDER BY completed_at DESC
            """);
        command.With(versionIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var outcomes = new List<CreationOutcome>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            outcomes.Add(new CreationOutcome(reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return outcomes;
    }

    /// <summary>The workspace's owner, its first build's initiator and the status of its newest claim build (null: never claimed).</summary>
    public async Task<ReinitState?> GetReinitStateAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.owner_id,
                   (SELECT fb.initiator_id FROM workspace_builds fb WHERE fb.workspace_id = w.id AND fb.build_number = 1),
                   (SELECT j.job_status FROM workspace_builds cb JOIN provisioner_jobs j ON j.id = cb.job_id
                    WHERE cb.workspace_id = w.id AND cb.prebuild_stage = 'claim' ORDER BY cb.build_number DESC LIMIT 1)
            FROM workspaces w WHERE w.id = $1
            """);
        command.With(workspaceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ReinitState(reader.GetGuid(0), reader.GetNullable<Guid>(1),
            reader.IsDBNull(2) ? null : WireName<ProvisionerJobStatus>.Parse(reader.GetString(2)));
    }
}
