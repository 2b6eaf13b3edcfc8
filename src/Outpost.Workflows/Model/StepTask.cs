namespace Outpost.Workflows.Model;

/// <summary>What a step does (spec §9.4): a model method or a nested workflow. <c>shell</c> is refused when parsed.</summary>
internal abstract record StepTask
{
    /// <summary>The task's inputs; strings may hold <c>${{ }}</c> expressions, evaluated when the step runs.</summary>
    public IReadOnlyDictionary<string, object?> Inputs { get; init; } = new Dictionary<string, object?>();

    public sealed record ModelMethod(string ModelIdOrName, string MethodName) : StepTask;

    public sealed record Workflow(string WorkflowIdOrName) : StepTask;
}
