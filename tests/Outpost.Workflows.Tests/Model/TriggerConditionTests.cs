using Outpost.Workflows.Model;

namespace Outpost.Workflows.Tests.Model;

public sealed class TriggerConditionTests
{
    public static TheoryData<string, string?, bool> Leaves => new()
    {
        { "always", null, true },
        { "always", "Failed", true },
        { "succeeded", "Succeeded", true },
        { "succeeded", "Failed", false },
        { "succeeded", null, false },
        { "failed", "Failed", true },
        { "failed", "Skipped", false },
        { "completed", "Succeeded", true },
        { "completed", "Failed", true },
        { "completed", "Skipped", false },
        { "completed", null, false },
        { "skipped", "Skipped", true },
        { "skipped", null, false },
    };

    [Theory]
    [MemberData(nameof(Leaves))]
    public void Each_leaf_holds_exactly_for_its_statuses(string kind, string? status, bool holds) =>
        Assert.Equal(holds, new TriggerCondition.Leaf(kind).Holds(status is null ? null : Enum.Parse<RunStatus>(status)));

    [Fact]
    public void And_or_and_not_combine_their_conditions()
    {
        var succeeded = new TriggerCondition.Leaf("succeeded");
        var failed = new TriggerCondition.Leaf("failed");
        var either = new TriggerCondition.Or([succeeded, failed]);
        var both = new TriggerCondition.And([new TriggerCondition.Leaf("completed"), new TriggerCondition.Not(failed)]);

        Assert.True(either.Holds(RunStatus.Failed));
        Assert.False(either.Holds(RunStatus.Skipped));
        Assert.True(both.Holds(RunStatus.Succeeded));
        Assert.False(both.Holds(RunStatus.Failed));
        // A missing status makes leaves false, so "not" of one holds.
        Assert.True(new TriggerCondition.Not(succeeded).Holds(null));
        Assert.True(new Dependency("x", null).Holds(null));
    }
}
