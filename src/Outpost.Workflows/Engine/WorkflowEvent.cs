namespace Outpost.Workflows.Engine;

/// <summary>What happened in a run, in the order the engine saw it (spec §11, as far as the engine goes).</summary>
internal enum WorkflowEventKind
{
    Started,
    JobStarted,
    JobSkipped,
    JobCompleted,
    StepStarted,
    StepSkipped,
    MethodExecuting,
    StepCompleted,
    StepFailed,
    StepCancelled,
    Completed,
    MethodOutput,
}

/// <summary>
/// One event of a run. <see cref="Workflow"/>, <see cref="RunId"/> and <see cref="Depth"/> name the
/// (possibly nested) workflow it belongs to; a nested workflow's events reach the root's observer
/// with its own names. <see cref="BeforeMethod"/> marks a step that failed before its method started
/// (an expression or a lookup), which telemetry records with no duration.
/// </summary>
internal sealed record WorkflowEvent(WorkflowEventKind Kind, string Workflow, Guid RunId, int Depth)
{
    public string? Job { get; init; }

    public string? Step { get; init; }

    public string? Model { get; init; }

    public string? Method { get; init; }

    public string? Error { get; init; }

    public bool AllowedFailure { get; init; }

    public bool BeforeMethod { get; init; }

    public Model.RunStatus? Status { get; init; }

    /// <summary>The driver the method ran (or would have run) on: <c>MethodExecuting</c>, and <c>StepFailed</c> before the method.</summary>
    public string? Driver { get; init; }

    /// <summary>A line of a method's output (<c>MethodOutput</c>).</summary>
    public string? Text { get; init; }

    /// <summary>The run record the event belongs to, as it stands now (read it under the observer's call only).</summary>
    public WorkflowRun? Run { get; init; }
}
