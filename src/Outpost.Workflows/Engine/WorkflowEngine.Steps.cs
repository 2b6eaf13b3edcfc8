using Outpost.Workflows.Expressions;
using Outpost.Workflows.Model;

namespace Outpost.Workflows.Engine;

internal sealed partial class WorkflowEngine
{
    /// <summary>A step as it runs: its (expanded) name, its definition, and the forEach binding under <c>self</c>.</summary>
    private sealed record PlannedStep(string Name, StepDefinition Template, IReadOnlyDictionary<string, object?>? Self);

    /// <summary>
    /// forEach expansion (spec §10.6): an array gives one step per element, an object one per entry
    /// (<c>self.&lt;item&gt;</c> is <c>{key, value}</c>). A name with expressions is evaluated with the
    /// binding (on failure the raw name plus <c>-index</c> or <c>-key</c>); a plain name gets
    /// <c>-element</c> for primitives, <c>-index</c> for objects, <c>-key</c> for entries. The job's
    /// step records follow: a template is replaced by its expansions, or removed when it has none.
    /// </summary>
    private (List<PlannedStep> Steps, string? Error) Expand(RunContext context, JobDefinition job, JobRun jobRun)
    {
        var planned = new List<PlannedStep>();
        foreach (var step in job.Steps)
        {
            if (step.ForEach is not { } forEach)
            {
                planned.Add(new PlannedStep(step.Name, step, null));
                continue;
            }

            object? source;
            try
            {
                source = TemplateString.HasExpression(forEach.In)
                    ? TemplateString.Evaluate(forEach.In, ExpressionContext(context, jobRun, null))
                    : throw new ExpressionException($"Invalid forEach.in expression \"{forEach.In}\"");
                if (source is not (IReadOnlyList<object?> or IReadOnlyDictionary<string, object?>))
                {
                    throw new ExpressionException($"forEach.in \"{forEach.In}\" gave a {ExpressionValues.KindOf(source)}; it must give a list or an object");
                }
            }
            catch (ExpressionException ex)
            {
                FailJobSetup(context, job, jobRun, $"step \"{step.Name}\": {ex.Message}", step.Name);
                return ([], ex.Message);
            }

            var iterations = source is IReadOnlyList<object?> list
                ? list.Select((element, index) => (Value: element, Suffix: element is string or long or double or bool ? ExpressionValues.ToText(element) : index.ToString(System.Globalization.CultureInfo.InvariantCulture), FailSuffix: index.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                : ((IReadOnlyDictionary<string, object?>)source).Select(entry => (Value: (object?)new Dictionary<string, object?> { ["key"] = entry.Key, ["value"] = entry.Value }, Suffix: entry.Key, FailSuffix: entry.Key));
            foreach (var (value, suffix, failSuffix) in iterations.ToList())
            {
                var self = new Dictionary<string, object?> { [forEach.Item] = value };
                planned.Add(new PlannedStep(ExpandedName(context, jobRun, step.Name, self, suffix, failSuffix), step, self));
            }
        }

        var duplicates = planned.GroupBy(step => step.Name, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        if (duplicates.Count > 0)
        {
            var message = $"Duplicate node names: {string.Join(", ", duplicates)}";
            FailJobSetup(context, job, jobRun, message);
            return ([], message);
        }

        lock (jobRun)
        {
            jobRun.Steps.Clear();
            jobRun.Steps.AddRange(planned.Select(step => new StepRun(step.Name)));
        }

        return (planned, null);
    }

    private static string ExpandedName(RunContext context, JobRun jobRun, string name, Dictionary<string, object?> self, string suffix, string failSuffix)
    {
        if (!TemplateString.HasExpression(name))
        {
            return $"{name}-{suffix}";
        }

        try
        {
            return ExpressionValues.ToText(TemplateString.Evaluate(name, ExpressionContext(context, jobRun, self)));
        }
        catch (ExpressionException)
        {
            return $"{name}-{failSuffix}";
        }
    }

    /// <summary>A job that cannot lay out its steps fails as a whole: its steps are marked failed with the reason (or the one named).</summary>
    private void FailJobSetup(RunContext context, JobDefinition job, JobRun jobRun, string error, string? stepName = null)
    {
        lock (jobRun)
        {
            foreach (var step in jobRun.Steps.Where(step => stepName is null || step.Name == stepName))
            {
                (step.Status, step.Error) = (RunStatus.Failed, error);
            }
        }

        Emit(context, WorkflowEventKind.StepFailed, job.Name, stepName, RunStatus.Failed, error);
    }

    /// <summary>
    /// What expressions can read: <c>inputs</c>, <c>workflowRunId</c>, <c>self</c> (the forEach
    /// binding), <c>steps.&lt;name&gt;.status|outputs|error</c> of this job's finished steps, and
    /// <c>jobs.&lt;name&gt;.status</c> and <c>.steps</c> of the finished jobs.
    /// </summary>
    private static Dictionary<string, object?> ExpressionContext(RunContext context, JobRun jobRun, IReadOnlyDictionary<string, object?>? self)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["inputs"] = context.Inputs,
            ["workflowRunId"] = context.Run.Id.ToString("D"),
            ["steps"] = Finished(jobRun),
            ["jobs"] = context.Run.Jobs.Where(job => job != jobRun && job.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Skipped)
                .ToDictionary(job => job.Name, job => (object?)new Dictionary<string, object?> { ["status"] = Name(job.Status), ["steps"] = Finished(job) }, StringComparer.Ordinal),
        };
        if (self is not null)
        {
            result["self"] = self;
        }

        return result;
    }

    private static Dictionary<string, object?> Finished(JobRun job)
    {
        lock (job)
        {
            return job.Steps.Where(step => step.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Skipped)
                .ToDictionary(step => step.Name, step => (object?)new Dictionary<string, object?>
                {
                    ["status"] = Name(step.Status),
                    ["outputs"] = step.Outputs,
                    ["error"] = step.Error,
                }, StringComparer.Ordinal);
        }
    }

    private static string Name(RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Runs one step; true when it failed without <c>allowFailure</c>.</summary>
    private async Task<bool> RunStepAsync(
        RunContext context, JobDefinition job, JobRun jobRun, PlannedStep step, Dictionary<string, List<string>> templates, CancellationToken cancellationToken)
    {
        var stepRun = jobRun.Step(step.Name);
        if (!step.Template.DependsOn.All(dependency => dependency.Holds(TemplateStatus(jobRun, templates, dependency.Name))))
        {
            lock (jobRun)
            {
                stepRun.Status = RunStatus.Skipped;
            }

            Emit(context, WorkflowEventKind.StepSkipped, job.Name, step.Name);
            return false;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        lock (jobRun)
        {
            (stepRun.Status, stepRun.StartedAt) = (RunStatus.Running, time.GetUtcNow());
        }

        Emit(context, WorkflowEventKind.StepStarted, job.Name, step.Name);
        var (outputs, error, beforeMethod, model, method) = step.Template.Task switch
        {
            StepTask.ModelMethod task => await InvokeAsync(context, job, jobRun, step, task, cancellationToken).ConfigureAwait(false),
            StepTask.Workflow task => await RunNestedAsync(context, jobRun, step, task, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException("unknown task type"),
        };

        var cancelled = error is null && outputs is null;
        lock (jobRun)
        {
            stepRun.CompletedAt = time.GetUtcNow();
            stepRun.Status = cancelled ? RunStatus.Cancelled : error is null ? RunStatus.Succeeded : RunStatus.Failed;
            stepRun.Error = error;
            stepRun.AllowedFailure = error is not null && step.Template.AllowFailure;
            stepRun.Outputs = outputs ?? new Dictionary<string, object?>();
        }

        Emit(context, new WorkflowEvent(cancelled ? WorkflowEventKind.StepCancelled : error is null ? WorkflowEventKind.StepCompleted : WorkflowEventKind.StepFailed,
            context.Workflow.Name, context.Run.Id, context.Scope.Depth)
        {
            Job = job.Name,
            Step = step.Name,
            Model = model,
            Method = method,
            Error = error,
            AllowedFailure = stepRun.AllowedFailure,
            BeforeMethod = beforeMethod,
            Status = stepRun.Status,
        });
        return error is not null && !step.Template.AllowFailure;
    }

    /// <summary>
    /// A dependency's status; a forEach template stands for its expansions: failed if any failed,
    /// skipped if all were skipped, succeeded otherwise (none: no status).
    /// </summary>
    private static RunStatus? TemplateStatus(JobRun jobRun, Dictionary<string, List<string>> templates, string name)
    {
        if (!templates.TryGetValue(name, out var expanded) || expanded.Count == 0)
        {
            return null;
        }

        lock (jobRun)
        {
            var statuses = expanded.Select(step => jobRun.Step(step).Status).ToList();
            return statuses.Count == 1 ? statuses[0]
                : statuses.Contains(RunStatus.Failed) ? RunStatus.Failed
                : statuses.All(status => status == RunStatus.Skipped) ? RunStatus.Skipped
                : statuses.Contains(RunStatus.Cancelled) ? RunStatus.Cancelled
                : RunStatus.Succeeded;
        }
    }

    /// <summary>Outputs, or the error and whether it came before the method started; both null when cancelled.</summary>
    private async Task<(IReadOnlyDictionary<string, object?>? Outputs, string? Error, bool BeforeMethod, string? Model, string? Method)> InvokeAsync(
        RunContext context, JobDefinition job, JobRun jobRun, PlannedStep step, StepTask.ModelMethod task, CancellationToken cancellationToken)
    {
        string model, method;
        IReadOnlyDictionary<string, object?> inputs;
        try
        {
            var expressions = ExpressionContext(context, jobRun, step.Self);
            model = ExpressionValues.ToText(TemplateString.Evaluate(task.ModelIdOrName, expressions));
            method = ExpressionValues.ToText(TemplateString.Evaluate(task.MethodName, expressions));
            inputs = (IReadOnlyDictionary<string, object?>)TemplateString.Resolve(task.Inputs, expressions)!;
        }
        catch (ExpressionException ex)
        {
            return (null, ex.Message, true, task.ModelIdOrName, task.MethodName);
        }

        Emit(context, new WorkflowEvent(WorkflowEventKind.MethodExecuting, context.Workflow.Name, context.Run.Id, context.Scope.Depth)
        {
            Job = job.Name,
            Step = step.Name,
            Model = model,
            Method = method,
        });
        try
        {
            var result = await invoker.InvokeAsync(new MethodCall(context.Workflow.Name, context.Run.Id, job.Name, step.Name, model, method, inputs), cancellationToken).ConfigureAwait(false);
            return result.Succeeded
                ? (result.Outputs, null, false, model, method)
                : (null, string.IsNullOrWhiteSpace(result.Error) ? $"{model} {method} failed without saying why" : result.Error, false, model, method);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, null, false, model, method);
        }
        catch (Exception ex)
        {
            return (null, ex.Message, false, model, method);
        }
    }

    /// <summary>A <c>type: workflow</c> step (spec §10.8): depth and cycle guards, then a child run whose events reach the same observer.</summary>
    private async Task<(IReadOnlyDictionary<string, object?>? Outputs, string? Error, bool BeforeMethod, string? Model, string? Method)> RunNestedAsync(
        RunContext context, JobRun jobRun, PlannedStep step, StepTask.Workflow task, CancellationToken cancellationToken)
    {
        var depth = context.Scope.Depth;
        var target = task.WorkflowIdOrName;
        if (depth >= options.MaxDepth)
        {
            return (null, $"Maximum workflow nesting depth ({options.MaxDepth}) exceeded. Workflow \"{target}\" cannot be invoked at depth {depth + 1}.", false, null, null);
        }

        List<string> chain = [.. context.Scope.Ancestors, context.Workflow.Name];
        if (chain.Contains(target))
        {
            return (null, $"Workflow cycle detected: {string.Join(" -> ", chain.Skip(chain.IndexOf(target)))} -> {target}. A workflow cannot invoke itself directly or indirectly.", false, null, null);
        }

        if (catalog.Find(target) is not { } nested)
        {
            return (null, $"Workflow not found: {target}", false, null, null);
        }

        IReadOnlyDictionary<string, object?> inputs;
        try
        {
            inputs = (IReadOnlyDictionary<string, object?>)TemplateString.Resolve(task.Inputs, ExpressionContext(context, jobRun, step.Self))!;
        }
        catch (ExpressionException ex)
        {
            return (null, ex.Message, false, null, null);
        }

        var (run, errors) = await RunCoreAsync(nested, inputs, new Scope(depth + 1, chain, context.Scope.Observe), cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return (null, $"Nested workflow \"{target}\" did not start: {string.Join("; ", errors)}", false, null, null);
        }

        return run.Status switch
        {
            RunStatus.Cancelled => (null, null, false, null, null),
            RunStatus.Failed => (null, $"Nested workflow \"{target}\" failed.", false, null, null),
            _ => (new Dictionary<string, object?> { ["type"] = "workflow", ["workflow"] = nested.Name, ["runId"] = run.Id.ToString("D"), ["status"] = Name(run.Status) }, null, false, null, null),
        };
    }
}
