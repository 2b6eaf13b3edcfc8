using Outpost.Workflows.Engine;

namespace Outpost.Workflows.Telemetry;

/// <summary>Where a child invocation ran (spec §3.6), from the event's own run (a nested run labels only its own steps).</summary>
internal sealed record WorkflowContext(string WorkflowName, Guid WorkflowId, Guid RunId, string JobName, string StepName, string? ModelType, string? Driver);

/// <summary>One method invocation of a workflow step, as telemetry records it (spec §5.4): <see cref="Error"/> null for success.</summary>
internal sealed record ChildInvocation(string Model, string Method, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, string? Error, WorkflowContext Context);

/// <summary>The telemetry sink contract (spec §12): writes one child entry that names the run's parent invocation.</summary>
internal interface IChildInvocationSink
{
    public void RecordChild(ChildInvocation child);
}

/// <summary>
/// Turns a run's events into one child invocation per model method (seed 004, spec §13): success with
/// its real duration; failure after the method started with its real duration; failure before it
/// started (model lookup, expression, inputs, driver, vary key) with a zero duration; no child for
/// structural failures (depth, cycle, a nested workflow's failure) nor for <c>type: workflow</c> steps;
/// and <see cref="Finalize"/> drains the methods still in flight (cancellation, timeout, a crash) as
/// errors. In-flight methods are keyed by (run, job, step), never by a joined string. A sink that
/// throws is reported to <c>onSinkError</c> and never reaches the run.
/// </summary>
internal sealed class WorkflowTelemetryBridge(IChildInvocationSink sink, TimeProvider time, IReadOnlyCollection<string> knownModels, Action<Exception>? onSinkError = null)
{
    public const string DefaultFinalizeReason = "workflow run terminated before completion";

    private readonly Lock _lock = new();
    private readonly List<(StepKey Key, InFlight Method)> _inFlight = [];
    private bool _finalized;

    private readonly record struct StepKey(Guid RunId, string Job, string Step);

    private sealed record InFlight(DateTimeOffset StartedAt, string Model, string Method, WorkflowContext Context);

    /// <summary>How many methods are in flight (for tests).</summary>
    public int InFlightCount
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count;
            }
        }
    }

    public void Observe(WorkflowEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ChildInvocation? child = null;
        lock (_lock)
        {
            if (_finalized || @event.Job is not { } job || @event.Step is not { } step)
            {
                return;
            }

            var key = new StepKey(@event.RunId, job, step);
            switch (@event.Kind)
            {
                case WorkflowEventKind.MethodExecuting when @event.Model is { } model && @event.Method is { } method:
                    _inFlight.RemoveAll(entry => entry.Key == key);
                    _inFlight.Add((key, new InFlight(time.GetUtcNow(), model, method, Context(@event, model))));
                    break;
                case WorkflowEventKind.StepCompleted or WorkflowEventKind.StepFailed when Take(key) is { } running:
                    child = new ChildInvocation(running.Model, running.Method, running.StartedAt, time.GetUtcNow(),
                        @event.Kind == WorkflowEventKind.StepFailed ? @event.Error ?? "step failed" : null, running.Context);
                    break;
                case WorkflowEventKind.StepFailed when @event.BeforeMethod && !string.IsNullOrEmpty(@event.Model) && !string.IsNullOrEmpty(@event.Method):
                    var now = time.GetUtcNow();
                    child = new ChildInvocation(@event.Model, @event.Method, now, now, @event.Error ?? "step failed", Context(@event, @event.Model));
                    break;
                default:
                    // Structural failures, workflow-task steps, cancelled steps (left for Finalize) and everything else.
                    break;
            }
        }

        if (child is not null)
        {
            Write(child);
        }
    }

    /// <summary>Records every method still in flight as an error (once; later calls and events do nothing).</summary>
    public void Finalize(string? reason = null)
    {
        List<(StepKey Key, InFlight Method)> drained;
        DateTimeOffset now;
        lock (_lock)
        {
            if (_finalized)
            {
                return;
            }

            _finalized = true;
            now = time.GetUtcNow();
            drained = [.. _inFlight];
            _inFlight.Clear();
        }

        foreach (var (_, method) in drained)
        {
            Write(new ChildInvocation(method.Model, method.Method, method.StartedAt, now, reason ?? DefaultFinalizeReason, method.Context));
        }
    }

    private InFlight? Take(StepKey key)
    {
        var index = _inFlight.FindIndex(entry => entry.Key == key);
        if (index < 0)
        {
            return null;
        }

        var found = _inFlight[index].Method;
        _inFlight.RemoveAt(index);
        return found;
    }

    private WorkflowContext Context(WorkflowEvent @event, string model) =>
        new(@event.Workflow, @event.Run?.WorkflowId ?? Guid.Empty, @event.RunId, @event.Job!, @event.Step!, knownModels.Contains(model) ? model : null, @event.Driver);

    private void Write(ChildInvocation child)
    {
        try
        {
            sink.RecordChild(child);
        }
#pragma warning disable CA1031 // Telemetry is best effort: a failing sink never fails the workflow nor masks its error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            try
            {
                onSinkError?.Invoke(ex);
            }
#pragma warning disable CA1031
            catch (Exception)
#pragma warning restore CA1031
            {
                // Nothing more to do.
            }
        }
    }
}
