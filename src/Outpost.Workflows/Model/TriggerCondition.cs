namespace Outpost.Workflows.Model;

/// <summary>
/// A <c>dependsOn</c> condition (spec §9.5), evaluated against the referenced job's or step's status.
/// A missing status (unknown reference, not run) makes every leaf except <c>always</c> false.
/// </summary>
internal abstract record TriggerCondition
{
    public static readonly IReadOnlyList<string> Kinds = ["always", "succeeded", "failed", "completed", "skipped", "and", "or", "not"];

    public abstract bool Holds(RunStatus? status);

    /// <summary>One of the five leaf conditions.</summary>
    public sealed record Leaf(string Kind) : TriggerCondition
    {
        public override bool Holds(RunStatus? status) => Kind switch
        {
            "always" => true,
            "succeeded" => status == RunStatus.Succeeded,
            "failed" => status == RunStatus.Failed,
            "completed" => status is RunStatus.Succeeded or RunStatus.Failed,
            "skipped" => status == RunStatus.Skipped,
            _ => throw new InvalidOperationException($"unknown condition {Kind}"),
        };

        public override string ToString() => Kind;
    }

    public sealed record And(IReadOnlyList<TriggerCondition> Conditions) : TriggerCondition
    {
        public override bool Holds(RunStatus? status) => Conditions.All(condition => condition.Holds(status));

        public override string ToString() => $"and({string.Join(", ", Conditions)})";
    }

    public sealed record Or(IReadOnlyList<TriggerCondition> Conditions) : TriggerCondition
    {
        public override bool Holds(RunStatus? status) => Conditions.Any(condition => condition.Holds(status));

        public override string ToString() => $"or({string.Join(", ", Conditions)})";
    }

    public sealed record Not(TriggerCondition Condition) : TriggerCondition
    {
        public override bool Holds(RunStatus? status) => !Condition.Holds(status);

        public override string ToString() => $"not({Condition})";
    }
}
