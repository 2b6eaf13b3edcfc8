using Outpost.Sdk.Templates;
using Outpost.Server.Prebuilds;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Tests.Prebuilds;

public sealed class PrebuildPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid Template = Guid.NewGuid();
    private static readonly Guid Version = Guid.NewGuid();

    private static PresetTarget Target(int instances, bool active = true) => new(Template, "t", Version, "small", instances, active);

    private static PrebuildRow Row(PrebuildKind kind, int minutesOld, Guid? version = null, string preset = "small") =>
        new(Guid.NewGuid(), Template, version ?? Version, preset, kind, Now.AddMinutes(-minutesOld));

    private static CreationOutcome Outcome(bool failed, int secondsAgo) => new(Version, "small", failed, Now.AddSeconds(-secondsAgo));

    [Fact]
    public void Missing_prebuilds_are_created_counting_those_still_building()
    {
        var plan = PrebuildPlanner.Plan([Target(3)], [Row(PrebuildKind.Ready, 5), Row(PrebuildKind.Building, 1)], [], Now);
        Assert.Single(plan.Actions.OfType<CreatePrebuild>());
        var pool = Assert.Single(plan.Pools);
        Assert.Equal((3, 1, 1, 0, PrebuildPoolState.Ok), (pool.Desired, pool.Running, pool.Building, pool.Failed, pool.State));
    }

    [Fact]
    public void Extras_are_deleted_newest_first_and_building_ones_are_waited_for()
    {
        var oldest = Row(PrebuildKind.Ready, 30);
        var newest = Row(PrebuildKind.Ready, 1);
        var plan = PrebuildPlanner.Plan([Target(1)], [oldest, newest, Row(PrebuildKind.Building, 2)], [], Now);
        var deletes = plan.Actions.OfType<DeletePrebuild>().Select(d => d.WorkspaceId).ToList();
        Assert.Equal([newest.WorkspaceId, oldest.WorkspaceId], deletes);
        Assert.Empty(plan.Actions.OfType<CreatePrebuild>());
    }

    [Fact]
    public void Prebuilds_of_inactive_versions_or_removed_presets_are_deleted_unless_still_building()
    {
        var stale = Row(PrebuildKind.Ready, 10, version: Guid.NewGuid());
        var removed = Row(PrebuildKind.Ready, 10, preset: "gone");
        var building = Row(PrebuildKind.Building, 1, version: Guid.NewGuid());
        var plan = PrebuildPlanner.Plan([Target(0)], [stale, removed, building], [], Now);
        Assert.Equal([stale.WorkspaceId, removed.WorkspaceId], plan.Actions.OfType<DeletePrebuild>().Select(d => d.WorkspaceId));
        Assert.Equal(PrebuildPoolState.Inactive, plan.Pools.Single().State);
    }

    [Fact]
    public void A_failed_delete_is_retried_on_the_backoff_and_given_up_after_five()
    {
        PrebuildRow Stuck(int failures, int secondsAgo) => Row(PrebuildKind.DeleteFailed, 60) with { DeleteFailures = failures, LastDeleteFailure = Now.AddSeconds(-secondsAgo) };
        var waiting = Stuck(1, 10);
        var due = Stuck(1, 30);
        var secondWaiting = Stuck(2, 59);
        var secondDue = Stuck(2, 60);
        var givenUp = Stuck(PrebuildPlanner.FailureLimit, 3600);

        var plan = PrebuildPlanner.Plan([Target(0)], [waiting, due, secondWaiting, secondDue, givenUp], [], Now);

        Assert.Equal([due.WorkspaceId, secondDue.WorkspaceId], plan.Actions.OfType<DeletePrebuild>().Select(d => d.WorkspaceId));
        Assert.Contains("retrying", plan.Actions.OfType<DeletePrebuild>().First().Why, StringComparison.Ordinal);
        Assert.Empty(plan.Actions.OfType<CreatePrebuild>());
    }

    [Fact]
    public void Failed_prebuilds_are_deleted_and_the_preset_backs_off_30_s_doubling_to_10_min()
    {
        var failed = Row(PrebuildKind.Failed, 1);
        var plan = PrebuildPlanner.Plan([Target(2)], [failed], [Outcome(true, 10)], Now);
        Assert.Equal([failed.WorkspaceId], plan.Actions.OfType<DeletePrebuild>().Select(d => d.WorkspaceId));
        Assert.Empty(plan.Actions.OfType<CreatePrebuild>());
        Assert.Equal((PrebuildPoolState.Backoff, Now.AddSeconds(20)), (plan.Pools[0].State, plan.Pools[0].RetryAt));
        Assert.Equal(
            [30, 60, 120, 240, 480, 600, 600],
            Enumerable.Range(1, 7).Select(n => (int)PrebuildPlanner.Backoff(n).TotalSeconds));
    }

    [Fact]
    public void After_the_backoff_one_creation_probes_even_when_more_are_missing()
    {
        var plan = PrebuildPlanner.Plan([Target(3)], [], [Outcome(true, 31), Outcome(false, 100)], Now);
        Assert.Single(plan.Actions.OfType<CreatePrebuild>());
        Assert.Equal((1, PrebuildPoolState.Ok), (plan.Pools[0].Failed, plan.Pools[0].State));
    }

    [Fact]
    public void Five_failures_in_a_row_stop_the_preset_and_a_success_resets_the_streak()
    {
        var stopped = PrebuildPlanner.Plan([Target(1)], [], [.. Enumerable.Range(1, 5).Select(i => Outcome(true, 3600 * i))], Now);
        Assert.Equal(PrebuildPoolState.Stopped, stopped.Pools[0].State);
        Assert.Empty(stopped.Actions);

        var reset = PrebuildPlanner.Plan([Target(1)], [], [Outcome(false, 10), .. Enumerable.Range(1, 5).Select(i => Outcome(true, 3600 * i))], Now);
        Assert.Equal((0, PrebuildPoolState.Ok), (reset.Pools[0].Failed, reset.Pools[0].State));
        Assert.Single(reset.Actions.OfType<CreatePrebuild>());
    }
}
