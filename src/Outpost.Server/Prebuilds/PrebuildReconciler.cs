using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Templates;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Prebuilds;

/// <summary>What one reconcile pass did; <see cref="Leader"/> is false when another replica held the lock.</summary>
internal sealed record ReconcileOutcome(bool Leader, int Created, int Deleted, int Refused, PrebuildPlan? Plan);

/// <summary>
/// The prebuild reconciler (the <c>prebuild-reconciler</c> system actor): every
/// <see cref="ProvisioningOptions.PrebuildReconcileInterval"/> on the injected clock it plans
/// (<see cref="PrebuildPlanner"/>) and acts. One replica acts at a time: a pass runs while holding a
/// PostgreSQL advisory transaction lock, and a replica that cannot take it skips the pass. Every
/// decision is read from the database afresh, so a pass cut short (a crash, a restart) leaves
/// nothing the next pass would duplicate.
/// </summary>
internal sealed class PrebuildReconciler : BackgroundService
{
    /// <summary>The advisory lock key: "outpost" + 2.</summary>
    private const long LeaderLockKey = 0x6f7574706f7374 + 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly PrebuildPools _pools;
    private readonly WorkspaceBuilds _builds;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly HashSet<(Guid, string, int)> _reported = [];

    public PrebuildReconciler(NpgsqlDataSource dataSource, PrebuildPools pools, WorkspaceBuilds builds, ServerOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _pools = pools;
        _builds = builds;
        _time = options.Time;
        _interval = options.Provisioning.PrebuildReconcileInterval;
        _logger = loggers.CreateLogger(PrebuildsLog.Category);
    }

    /// <summary>A test seam: runs after each action of a pass (a test cancels the pass here to cut it short).</summary>
    internal Func<PrebuildAction, Task>? AfterAction { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                try
                {
                    await ReconcileAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    PrebuildsLog.ReconcileFailed(_logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        PrebuildMetrics.Forget(this);
    }

    /// <summary>One pass: take the leader lock or skip, plan, act.</summary>
    public async Task<ReconcileOutcome> ReconcileAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({LeaderLockKey})", connection, transaction))
        {
            if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                PrebuildsLog.NotLeader(_logger);
                return new ReconcileOutcome(false, 0, 0, 0, null);
            }
        }

        var plan = await _pools.PlanAsync(null, cancellationToken).ConfigureAwait(false);
        PrebuildMetrics.Publish(this, plan.Pools);
        Report(plan);
        int created = 0, deleted = 0, refused = 0;
        foreach (var action in plan.Actions)
        {
            var refusal = action switch
            {
                CreatePrebuild create => (await _builds.CreatePrebuildAsync(SystemActors.PrebuildReconciler, create.VersionId, create.Preset, cancellationToken).ConfigureAwait(false)).Refusal,
                DeletePrebuild delete => (await _builds.DeletePrebuildAsync(SystemActors.PrebuildReconciler, delete.WorkspaceId, cancellationToken).ConfigureAwait(false)).Refusal,
                _ => throw new InvalidOperationException($"Unknown prebuild action {action}."),
            };
            if (refusal is not null)
            {
                refused++;
                PrebuildsLog.ActionRefused(_logger, action is CreatePrebuild ? "create a prebuild" : "delete a prebuild", action.TemplateName, action.Preset, refusal.Detail);
            }
            else if (action is CreatePrebuild)
            {
                created++;
            }
            else
            {
                deleted++;
            }

            if (AfterAction is { } after)
            {
                await after(action).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (plan.Actions.Count > 0)
        {
            PrebuildsLog.Reconciled(_logger, created, deleted, refused);
        }

        return new ReconcileOutcome(true, created, deleted, refused, plan);
    }

    /// <summary>Logs a preset's backoff and its stop once each (per failure count), not on every pass.</summary>
    private void Report(PrebuildPlan plan)
    {
        foreach (var pool in plan.Pools.Where(p => p.State is PrebuildPoolState.Backoff or PrebuildPoolState.Stopped))
        {
            if (!_reported.Add((pool.Target.VersionId, pool.Target.Preset, pool.Failed)))
            {
                continue;
            }

            if (pool.State == PrebuildPoolState.Stopped)
            {
                PrebuildsLog.Stopped(_logger, pool.Target.TemplateName, pool.Target.Preset, pool.Target.VersionId, pool.Failed);
            }
            else
            {
                PrebuildsLog.BackingOff(_logger, pool.Target.TemplateName, pool.Target.Preset, pool.Failed, pool.RetryAt!.Value);
            }
        }
    }
}
