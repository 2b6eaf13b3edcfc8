using Outpost.Workflows.Model;

namespace Outpost.Workflows.Engine;

/// <summary>A run's record: the status of the run, of each job and of each step (forEach expansions one by one), with timings and outputs.</summary>
internal sealed class WorkflowRun(Guid id, string workflow)
{
    public Guid Id { get; } = id;

    public string Workflow { get; } = workflow;

    public Guid WorkflowId { get; init; }

    /// <summary>The run's inputs after defaults were filled in.</summary>
    public IReadOnlyDictionary<string, object?> Inputs { get; init; } = new Dictionary<string, object?>();

    /// <summary>The nesting depth: 0 for a run the CLI started.</summary>
    public int Depth { get; init; }

    public RunStatus Status { get; internal set; } = RunStatus.Pending;

    /// <summary>Why a run ended cancelled (Ctrl-C, a timeout); set by whoever cancelled it.</summary>
    public string? Reason { get; set; }

    public DateTimeOffset StartedAt { get; internal set; }

    public DateTimeOffset? CompletedAt { get; internal set; }

    public List<JobRun> Jobs { get; } = [];

    public JobRun Job(string name) => Jobs.First(job => job.Name == name);
}

internal sealed class JobRun(string name)
{
    public string Name { get; } = name;

    public RunStatus Status { get; internal set; } = RunStatus.Pending;

    /// <summary>The steps, by name; a forEach template is replaced by its expansions when the job starts.</summary>
    public List<StepRun> Steps { get; } = [];

    public StepRun Step(string name) => Steps.First(step => step.Name == name);
}

internal sealed class StepRun(string name)
{
    public string Name { get; } = name;

    public RunStatus Status { get; internal set; } = RunStatus.Pending;

    public string? Error { get; internal set; }

    /// <summary>Failed, with <c>allowFailure</c> set: the job carries on.</summary>
    public bool AllowedFailure { get; internal set; }

    public IReadOnlyDictionary<string, object?> Outputs { get; internal set; } = new Dictionary<string, object?>();

    public DateTimeOffset? StartedAt { get; internal set; }

    public DateTimeOffset? CompletedAt { get; internal set; }

    /// <summary>The model, method and driver once evaluated (model-method steps).</summary>
    public string? Model { get; internal set; }

    public string? Method { get; internal set; }

    public string? Driver { get; internal set; }

    /// <summary>The step's data output names with their vary suffixes (spec §9.10).</summary>
    public IReadOnlyList<string> DataNames { get; internal set; } = [];

    /// <summary>The nested run a <c>type: workflow</c> step started.</summary>
    public Guid? NestedRunId { get; internal set; }
}
