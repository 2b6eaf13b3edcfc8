using Outpost.Workflows.Model;

namespace Outpost.Workflows.Engine;

/// <summary>A run's record: the status of the run, of each job and of each step (forEach expansions one by one), with timings and outputs.</summary>
internal sealed class WorkflowRun(Guid id, string workflow)
{
    public Guid Id { get; } = id;

    public string Workflow { get; } = workflow;

    public RunStatus Status { get; internal set; } = RunStatus.Pending;

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
}
