using Outpost.Sdk.Templates;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Prebuilds;

/// <summary>A preset that may want prebuilds: of an active version (<see cref="Active"/>) or of one a caller asks about.</summary>
internal sealed record PresetTarget(Guid TemplateId, string TemplateName, Guid VersionId, string Preset, int Instances, bool Active);

/// <summary>What the reconciler does: create a prebuild of a preset, or delete a prebuilt workspace.</summary>
internal abstract record PrebuildAction(string TemplateName, string Preset);

internal sealed record CreatePrebuild(Guid VersionId, string TemplateName, string Preset) : PrebuildAction(TemplateName, Preset);

internal sealed record DeletePrebuild(Guid WorkspaceId, string Why, string TemplateName, string Preset) : PrebuildAction(TemplateName, Preset);

/// <summary>One preset's pool: the counts <c>outpost templates presets</c> shows and the gauges export.</summary>
internal sealed record PresetPool(PresetTarget Target, int Desired, int Running, int Building, int Failed, PrebuildPoolState State, DateTimeOffset? RetryAt)
{
    /// <summary>Of <see cref="Running"/>, those whose agents are all ready: what a claim can take now.</summary>
    public int Eligible { get; init; }
}

/// <summary>The plan of one pass.</summary>
internal sealed record PrebuildPlan(IReadOnlyList<PrebuildAction> Actions, IReadOnlyList<PresetPool> Pools);

/// <summary>
/// Desired against actual, with no I/O: for each preset of an active version, create what is
/// missing (unless its creations keep failing) and delete extras; delete failed prebuilds and those of
/// versions or presets no longer active. Building prebuilds are never deleted, only waited for.
/// </summary>
internal static class PrebuildPlanner
{
    /// <summary>The first retry after a failed creation; each further failure doubles it.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between creations of a failing preset.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    /// <summary>After this many failed creations in a row the preset is stopped (and reported) until a new version is activated.</summary>
    public const int FailureLimit = 5;

    public static PrebuildPlan Plan(
        IReadOnlyList<PresetTarget> targets, IReadOnlyList<PrebuildRow> prebuilds, IReadOnlyList<CreationOutcome> outcomes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(prebuilds);
        ArgumentNullException.ThrowIfNull(outcomes);
        var actions = new List<PrebuildAction>();
        var pools = new List<PresetPool>();
        var claimed = new HashSet<Guid>();
        foreach (var target in targets)
        {
            var mine = prebuilds.Where(p => p.VersionId == target.VersionId && p.Preset == target.Preset).ToList();
            claimed.UnionWith(mine.Select(p => p.WorkspaceId));
            var ready = mine.Where(p => p.Kind == PrebuildKind.Ready).OrderBy(p => p.CreatedAt).ToList();
            var building = mine.Count(p => p.Kind == PrebuildKind.Building);
            var (failures, lastFailure) = Streak(outcomes, target);
            var desired = target.Active ? Math.Max(0, target.Instances) : 0;

            foreach (var failed in mine.Where(p => p.Kind == PrebuildKind.Failed))
            {
                actions.Add(new DeletePrebuild(failed.WorkspaceId, "its build failed", target.TemplateName, target.Preset));
            }

            PrebuildPoolState state;
            DateTimeOffset? retryAt = null;
            if (!target.Active || desired == 0)
            {
                state = PrebuildPoolState.Inactive;
            }
            else if (failures >= FailureLimit)
            {
                state = PrebuildPoolState.Stopped;
            }
            else if (failures > 0 && lastFailure + Backoff(failures) > now)
            {
                state = PrebuildPoolState.Backoff;
                retryAt = lastFailure + Backoff(failures);
            }
            else
            {
                state = PrebuildPoolState.Ok;
            }

            var missing = desired - ready.Count - building;
            if (state == PrebuildPoolState.Ok && missing > 0)
            {
                // A preset that failed before is probed with one creation at a time.
                var count = failures == 0 ? missing : building == 0 ? 1 : 0;
                for (var i = 0; i < count; i++)
                {
                    actions.Add(new CreatePrebuild(target.VersionId, target.TemplateName, target.Preset));
                }
            }

            // Extras: the newest ready ones go first (the oldest have waited longest and are claimed first).
            foreach (var extra in ready.AsEnumerable().Reverse().Take(Math.Max(0, ready.Count + building - desired)))
            {
                actions.Add(new DeletePrebuild(extra.WorkspaceId, target.Active ? "the pool has more than its preset asks for" : "its version is no longer active", target.TemplateName, target.Preset));
            }

            pools.Add(new PresetPool(target, desired, ready.Count, building, failures, state, retryAt) { Eligible = ready.Count(p => p.AgentsReady) });
        }

        // Prebuilds no active preset wants: of an old version, or of a preset that no longer exists.
        foreach (var orphan in prebuilds.Where(p => !claimed.Contains(p.WorkspaceId) && p.Kind is PrebuildKind.Ready or PrebuildKind.Failed))
        {
            actions.Add(new DeletePrebuild(orphan.WorkspaceId, "its version or preset is no longer active", orphan.TemplateId.ToString(), orphan.Preset ?? string.Empty));
        }

        // A failed delete is queued again on the creations' backoff (30 s doubling to 10 min), at most FailureLimit times.
        foreach (var stuck in prebuilds.Where(p => p.Kind == PrebuildKind.DeleteFailed && p.DeleteFailures < FailureLimit && p.LastDeleteFailure + Backoff(p.DeleteFailures) <= now))
        {
            var target = targets.FirstOrDefault(t => t.VersionId == stuck.VersionId && t.Preset == stuck.Preset);
            actions.Add(new DeletePrebuild(stuck.WorkspaceId, $"its delete build failed ({stuck.DeleteFailures} in a row); retrying",
                target?.TemplateName ?? stuck.TemplateId.ToString(), stuck.Preset ?? string.Empty));
        }

        return new PrebuildPlan(actions, pools);
    }

    /// <summary>30 s after the first failure, doubling with each further one, at most 10 min.</summary>
    public static TimeSpan Backoff(int failures) =>
        failures <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, InitialBackoff.Ticks << Math.Min(failures - 1, 20)));

    /// <summary>Failed creations since the last success (newest first) and when the newest failed.</summary>
    private static (int Failures, DateTimeOffset LastFailure) Streak(IReadOnlyList<CreationOutcome> outcomes, PresetTarget target)
    {
        var failures = 0;
        var last = DateTimeOffset.MinValue;
        foreach (var outcome in outcomes.Where(o => o.VersionId == target.VersionId && o.Preset == target.Preset).OrderByDescending(o => o.CompletedAt))
        {
            if (!outcome.Failed)
            {
                break;
            }

            if (failures == 0)
            {
                last = outcome.CompletedAt;
            }

            failures++;
        }

        return (failures, last);
    }
}
