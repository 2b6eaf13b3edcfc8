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

    /// <summary>
    /// How a step's task ended: outputs, or the error (and whether it came before the method started);
    /// <see cref="Cancelled"/> when cancellation stopped it (the error, if any, says what it left behind).
    /// </summary>
    private sealed record Outcome(IReadOnlyDictionary<string, object?>? Outputs, string? Error, bool Cancelled = false, bool BeforeMethod = false, string? Model = null, string? Method = null, string? Driver = null)
    {
        public static Outcome Structural(string error) => new(null, error);

        public static readonly Outcome Interrupted = new(null, null, Cancelled: true);
    }

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
        var outcome = step.Template.Task switch
        {
            StepTask.ModelMethod task => await InvokeAsync(context, job, jobRun, step, task, cancellationToken).ConfigureAwait(false),
            StepTask.Workflow task => await RunNestedAsync(context, jobRun, step, task, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException("unknown task type"),
        };

        var error = outcome.Cancelled ? null : outcome.Error;
        lock (jobRun)
        {
            stepRun.CompletedAt = time.GetUtcNow();
            stepRun.Status = outcome.Cancelled ? RunStatus.Cancelled : error is null ? RunStatus.Succeeded : RunStatus.Failed;
            stepRun.Error = outcome.Error;
            stepRun.AllowedFailure = error is not null && step.Template.AllowFailure;
            stepRun.Outputs = outcome.Outputs ?? new Dictionary<string, object?>();
            (stepRun.Model, stepRun.Method, stepRun.Driver) = (outcome.Model ?? stepRun.Model, outcome.Method ?? stepRun.Method, outcome.Driver ?? stepRun.Driver);
        }

        Emit(context, new WorkflowEvent(outcome.Cancelled ? WorkflowEventKind.StepCancelled : error is null ? WorkflowEventKind.StepCompleted : WorkflowEventKind.StepFailed,
            context.Workflow.Name, context.Run.Id, context.Scope.Depth)
        {
            Job = job.Name,
            Step = step.Name,
            Model = outcome.Model,
            Method = outcome.Method,
            Driver = outcome.Driver,
            Error = outcome.Error,
            AllowedFailure = stepRun.AllowedFailure,
            BeforeMethod = outcome.BeforeMethod,
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

    /// <summary>The driver by the spec's tiers (§9.9): <c>--driver</c>, step, job, workflow, then <c>local</c>. There are no model definitions to supply one.</summary>
    private string ResolveDriver(RunContext context, JobDefinition job, PlannedStep step) =>
        options.Driver ?? step.Template.Driver ?? job.Driver ?? context.Workflow.Driver ?? Drivers.Local;

    /// <summary>
    /// A model-method step (spec §10.7, Outpost's part of it): evaluate model, method and inputs, resolve
    /// the driver, check them with the invoker, compute the vary names — a failure in any of these is
    /// before the method — then <c>MethodExecuting</c> and the call.
    /// </summary>
    private async Task<Outcome> InvokeAsync(
        RunContext context, JobDefinition job, JobRun jobRun, PlannedStep step, StepTask.ModelMethod task, CancellationToken cancellationToken)
    {
        var driver = ResolveDriver(context, job, step);
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
            return new Outcome(null, ex.Message, BeforeMethod: true, Model: task.ModelIdOrName, Method: task.MethodName, Driver: driver);
        }

        var call = new MethodCall(context.Workflow.Name, context.Run.Id, job.Name, step.Name, model, method, inputs)
        {
            Driver = driver,
            Output = line => Emit(context, new WorkflowEvent(WorkflowEventKind.MethodOutput, context.Workflow.Name, context.Run.Id, context.Scope.Depth)
            {
                Job = job.Name,
                Step = step.Name,
                Text = line,
            }),
        };
        var problem = Drivers.Problem(driver) ?? invoker.Check(call);
        var (dataNames, varyError) = problem is null ? VaryNames(step.Template, context.Inputs, inputs) : ([], null);
        if ((problem ?? varyError) is { } before)
        {
            return new Outcome(null, before, BeforeMethod: true, Model: model, Method: method, Driver: driver);
        }

        call = call with { DataNames = dataNames };
        var stepRun = jobRun.Step(step.Name);
        lock (jobRun)
        {
            (stepRun.Model, stepRun.Method, stepRun.Driver, stepRun.DataNames) = (model, method, driver, dataNames);
        }

        Emit(context, new WorkflowEvent(WorkflowEventKind.MethodExecuting, context.Workflow.Name, context.Run.Id, context.Scope.Depth)
        {
            Job = job.Name,
            Step = step.Name,
            Model = model,
            Method = method,
            Driver = driver,
        });
        try
        {
            var result = await invoker.InvokeAsync(call, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded && cancellationToken.IsCancellationRequested)
            {
                // The method stopped because of the cancellation; what it says it left behind is kept.
                return new Outcome(result.Outputs, result.Error, Cancelled: true, Model: model, Method: method, Driver: driver);
            }

            return result.Succeeded
                ? new Outcome(result.Outputs, null, Model: model, Method: method, Driver: driver)
                : new Outcome(result.Outputs, string.IsNullOrWhiteSpace(result.Error) ? $"{model} {method} failed without saying why" : result.Error, Model: model, Method: method, Driver: driver);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Outcome.Interrupted with { Model = model, Method = method, Driver = driver };
        }
        catch (Exception ex)
        {
            return new Outcome(null, ex.Message, Model: model, Method: method, Driver: driver);
        }
    }

    /// <summary>
    /// The data output names of a step (spec §9.10): per override with <c>vary</c>, each key looked up in
    /// the workflow inputs overlaid with the step's inputs, its value made a suffix, joined with <c>-</c>.
    /// A missing or null value is an error before the method.
    /// </summary>
    internal static (IReadOnlyList<string> Names, string? Error) VaryNames(StepDefinition step, IReadOnlyDictionary<string, object?> workflowInputs, IReadOnlyDictionary<string, object?> stepInputs)
    {
        var names = new List<string>();
        foreach (var data in step.DataOutputOverrides.Where(data => data.Vary.Count > 0))
        {
            var suffixes = new List<string>();
            foreach (var key in data.Vary)
            {
                var value = stepInputs.TryGetValue(key, out var own) ? own : workflowInputs.GetValueOrDefault(key);
                if (value is null)
                {
                    return ([], $"Vary dimension '{key}' not found in step inputs for spec '{data.SpecName}'");
                }

                suffixes.Add(VarySuffix(value));
            }

            names.Add($"{data.SpecName}-{string.Join("-", suffixes)}");
        }

        return (names, null);
    }

    private static string VarySuffix(object value)
    {
        if (value is IReadOnlyDictionary<string, object?> map)
        {
            foreach (var key in (string[])["key", "name", "id"])
            {
                if (map.GetValueOrDefault(key) is { } named)
                {
                    return ExpressionValues.ToText(named);
                }
            }
        }

        if (value is IReadOnlyDictionary<string, object?> or IReadOnlyList<object?>)
        {
            var json = ExpressionValues.ToJson(value, indented: false);
            return json.Length > 64 ? json[..64] : json;
        }

        return ExpressionValues.ToText(value);
    }

    /// <summary>A <c>type: workflow</c> step (spec §10.8): depth and cycle guards, then a child run whose events reach the same observer.</summary>
    private async Task<Outcome> RunNestedAsync(
        RunContext context, JobRun jobRun, PlannedStep step, StepTask.Workflow task, CancellationToken cancellationToken)
    {
        var depth = context.Scope.Depth;
        var target = task.WorkflowIdOrName;
        if (depth >= options.MaxDepth)
        {
            return Outcome.Structural($"Maximum workflow nesting depth ({options.MaxDepth}) exceeded. Workflow \"{target}\" cannot be invoked at depth {depth + 1}.");
        }

        List<string> chain = [.. context.Scope.Ancestors, context.Workflow.Name];
        if (chain.Contains(target))
        {
            return Outcome.Structural($"Workflow cycle detected: {string.Join(" -> ", chain.Skip(chain.IndexOf(target)))} -> {target}. A workflow cannot invoke itself directly or indirectly.");
        }

        if (catalog.Find(target) is not { } nested)
        {
            return Outcome.Structural($"Workflow not found: {target}");
        }

        IReadOnlyDictionary<string, object?> inputs;
        try
        {
            inputs = (IReadOnlyDictionary<string, object?>)TemplateString.Resolve(task.Inputs, ExpressionContext(context, jobRun, step.Self))!;
        }
        catch (ExpressionException ex)
        {
            return Outcome.Structural(ex.Message);
        }

        var stepRun = jobRun.Step(step.Name);
        var (run, errors) = await RunCoreAsync(nested, inputs, new Scope(depth + 1, chain, context.Scope.Observe), cancellationToken,
            started => { lock (jobRun) { stepRun.NestedRunId = started.Id; } }).ConfigureAwait(false);
        if (run is null)
        {
            return Outcome.Structural($"Nested workflow \"{target}\" did not start: {string.Join("; ", errors)}");
        }

        return run.Status switch
        {
            RunStatus.Cancelled => Outcome.Interrupted,
            RunStatus.Failed => Outcome.Structural($"Nested workflow \"{target}\" failed."),
            _ => new Outcome(new Dictionary<string, object?> { ["type"] = "workflow", ["workflow"] = nested.Name, ["runId"] = run.Id.ToString("D"), ["status"] = Name(run.Status) }, null),
        };
    }
}
