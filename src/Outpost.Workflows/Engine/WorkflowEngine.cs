using Outpost.Workflows.Model;

namespace Outpost.Workflows.Engine;

/// <summary>
/// Runs a workflow (spec §10): jobs in topological levels (weight, then name), the jobs of a level
/// concurrently within the concurrency limit, each job's <c>dependsOn</c> conditions checked against
/// the statuses before it; in a job, forEach steps expanded, then steps in levels the same way, a
/// level's failure without <c>allowFailure</c> stopping the job; nested workflow tasks with a depth
/// limit and cycle detection. Methods run through an <see cref="IMethodInvoker"/>. Cancellation
/// stops what runs (steps in flight end <c>cancelled</c>) and starts nothing more.
/// </summary>
internal sealed partial class WorkflowEngine(IMethodInvoker invoker, WorkflowCatalog catalog, TimeProvider time, WorkflowEngineOptions options)
{
    private readonly Lock _observerLock = new();

    /// <summary>Runs <paramref name="workflow"/>; null with the reasons when its inputs do not fit its schema or its jobs cannot be ordered.</summary>
    public Task<(WorkflowRun? Run, IReadOnlyList<string> Errors)> RunAsync(
        WorkflowDefinition workflow, IReadOnlyDictionary<string, object?> inputs, Action<WorkflowEvent>? observe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(inputs);
        return RunCoreAsync(workflow, inputs, new Scope(0, [], observe), cancellationToken);
    }

    /// <summary>Where a run sits: its nesting depth, the workflows above it by name, and who hears its events.</summary>
    private sealed record Scope(int Depth, IReadOnlyList<string> Ancestors, Action<WorkflowEvent>? Observe);

    private async Task<(WorkflowRun? Run, IReadOnlyList<string> Errors)> RunCoreAsync(
        WorkflowDefinition workflow, IReadOnlyDictionary<string, object?> given, Scope scope, CancellationToken cancellationToken, Action<WorkflowRun>? created = null)
    {
        var (inputs, inputErrors) = workflow.Inputs?.Apply(given) ?? (given, []);
        if (inputErrors.Count > 0)
        {
            return (null, inputErrors);
        }

        var (levels, cycle) = Dag.Levels([.. workflow.Jobs.Select(job => (job.Name, job.Weight, (IReadOnlyList<string>)[.. job.DependsOn.Select(d => d.Name)]))]);
        if (levels is null)
        {
            return (null, [Dag.CycleMessage(cycle!)]);
        }

        var run = new WorkflowRun(Guid.NewGuid(), workflow.Name) { WorkflowId = workflow.Id, Inputs = inputs, Depth = scope.Depth, StartedAt = time.GetUtcNow() };
        foreach (var job in workflow.Jobs)
        {
            var jobRun = new JobRun(job.Name);
            jobRun.Steps.AddRange(job.Steps.Select(step => new StepRun(step.Name)));
            run.Jobs.Add(jobRun);
        }

        created?.Invoke(run);
        var context = new RunContext(workflow, run, inputs, scope);
        run.Status = RunStatus.Running;
        Emit(context, WorkflowEventKind.Started);
        var jobLimit = Limit(workflow.Concurrency);
        foreach (var level in levels)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            await RunConcurrentlyAsync(level.Select(name => workflow.Jobs.First(job => job.Name == name)).ToList(), jobLimit,
                job => RunJobAsync(context, job, cancellationToken)).ConfigureAwait(false);
        }

        run.Status = cancellationToken.IsCancellationRequested ? RunStatus.Cancelled
            : run.Jobs.Any(job => job.Status == RunStatus.Failed) ? RunStatus.Failed
            : RunStatus.Succeeded;
        run.CompletedAt = time.GetUtcNow();
        // A nested run's end is its parent step's completion or failure (spec §10.8): not forwarded.
        if (scope.Depth == 0)
        {
            Emit(context, WorkflowEventKind.Completed, status: run.Status);
        }
        return (run, []);
    }

    /// <summary>What a run's steps need to evaluate expressions and report events.</summary>
    private sealed record RunContext(WorkflowDefinition Workflow, WorkflowRun Run, IReadOnlyDictionary<string, object?> Inputs, Scope Scope);

    private async Task RunJobAsync(RunContext context, JobDefinition job, CancellationToken cancellationToken)
    {
        var jobRun = context.Run.Job(job.Name);
        var statuses = context.Run.Jobs.ToDictionary(j => j.Name, j => j.Status, StringComparer.Ordinal);
        if (!job.DependsOn.All(dependency => dependency.Holds(statuses.TryGetValue(dependency.Name, out var status) ? status : null)))
        {
            jobRun.Status = RunStatus.Skipped;
            foreach (var step in jobRun.Steps)
            {
                step.Status = RunStatus.Skipped;
            }

            Emit(context, WorkflowEventKind.JobSkipped, job.Name);
            return;
        }

        jobRun.Status = RunStatus.Running;
        Emit(context, WorkflowEventKind.JobStarted, job.Name);
        var (steps, expansionError) = Expand(context, job, jobRun);
        var failed = expansionError is not null;
        if (!failed)
        {
            failed = await RunStepsAsync(context, job, jobRun, steps, cancellationToken).ConfigureAwait(false);
        }

        jobRun.Status = cancellationToken.IsCancellationRequested ? RunStatus.Cancelled : failed ? RunStatus.Failed : RunStatus.Succeeded;
        Emit(context, WorkflowEventKind.JobCompleted, job.Name, status: jobRun.Status);
    }

    /// <summary>Runs the expanded steps level by level; true when a step failed without <c>allowFailure</c> (later levels then stay pending).</summary>
    private async Task<bool> RunStepsAsync(RunContext context, JobDefinition job, JobRun jobRun, List<PlannedStep> steps, CancellationToken cancellationToken)
    {
        var templates = steps.GroupBy(step => step.Template.Name, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.Select(step => step.Name).ToList(), StringComparer.Ordinal);
        var nodes = steps.Select(step => (step.Name, step.Template.Weight, (IReadOnlyList<string>)[.. step.Template.DependsOn.SelectMany(d => templates.TryGetValue(d.Name, out var expanded) ? expanded : [])])).ToList();
        var (levels, cycle) = Dag.Levels(nodes);
        if (levels is null)
        {
            FailJobSetup(context, job, jobRun, Dag.CycleMessage(cycle!));
            return true;
        }

        foreach (var level in levels)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            var planned = level.Select(name => steps.First(step => step.Name == name)).ToList();
            var limit = Limit(planned.Select(step => step.Template.Concurrency).Where(c => c is not null).Min() ?? job.Concurrency ?? context.Workflow.Concurrency);
            var outcomes = await RunConcurrentlyAsync(planned, limit, step => RunStepAsync(context, job, jobRun, step, templates, cancellationToken)).ConfigureAwait(false);
            if (outcomes.Any(stopped => stopped))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs <paramref name="items"/> with at most <paramref name="limit"/> at once (0: all at once), in their order.</summary>
    private static async Task<List<T>> RunConcurrentlyAsync<TItem, T>(IReadOnlyList<TItem> items, int limit, Func<TItem, Task<T>> run)
    {
        using var gate = new SemaphoreSlim(limit == 0 ? items.Count : limit, limit == 0 ? Math.Max(items.Count, 1) : limit);
        var tasks = items.Select(async item =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                return await run(item).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return [.. await Task.WhenAll(tasks).ConfigureAwait(false)];
    }

    private static Task RunConcurrentlyAsync<TItem>(IReadOnlyList<TItem> items, int limit, Func<TItem, Task> run) =>
        RunConcurrentlyAsync(items, limit, async item =>
        {
            await run(item).ConfigureAwait(false);
            return true;
        });

    /// <summary>The effective limit: the declared one (absent or 0: none) capped by the global one (spec §10.3).</summary>
    private int Limit(int? declared)
    {
        var local = declared ?? 0;
        var global = options.MaxConcurrency;
        return local == 0 ? global : global == 0 ? local : Math.Min(local, global);
    }

    private void Emit(RunContext context, WorkflowEventKind kind, string? job = null, string? step = null, RunStatus? status = null, string? error = null) =>
        Emit(context, new WorkflowEvent(kind, context.Workflow.Name, context.Run.Id, context.Scope.Depth) { Job = job, Step = step, Status = status, Error = error });

    private void Emit(RunContext context, WorkflowEvent @event)
    {
        if (context.Scope.Observe is not { } observe)
        {
            return;
        }

        // Observers see one event at a time, whatever runs concurrently; the run they see is the event's own.
        lock (_observerLock)
        {
            observe(@event with { Run = context.Run });
        }
    }
}
