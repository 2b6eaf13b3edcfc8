namespace Outpost.Workflows.Model;

/// <summary>A <c>dependsOn</c> entry: the job (or step) it waits for and the condition its status must meet; no condition means always.</summary>
internal sealed record Dependency(string Name, TriggerCondition? Condition)
{
    public bool Holds(RunStatus? status) => Condition?.Holds(status) ?? true;
}
