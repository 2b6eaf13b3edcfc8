using System.Globalization;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using Outpost.Workflows.Records;

namespace Outpost.Cli.Workflows;

/// <summary>
/// What a person sees of a run: one plain line per job and step change on stderr
/// (<c>[job] step: succeeded in 1.2s</c>; a nested workflow's lines name it), and the run's end.
/// Methods' own output goes to the run's log only.
/// </summary>
internal sealed class RunProgress(TextWriter error, TimeProvider time)
{
    private bool _recordWarned;
    private bool _telemetryWarned;

    public void Show(WorkflowEvent @event, RunRecordStore store)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(store);
        var where = @event.Depth == 0 ? $"[{@event.Job}]" : $"[{@event.Workflow}/{@event.Job}]";
        var step = Step(@event);
        var line = @event.Kind switch
        {
            WorkflowEventKind.Started when @event.Depth == 0 && @event.Run is { } run =>
                $"Running {@event.Workflow} (run {@event.RunId:D}); record: {Path.GetRelativePath(".", store.RecordPath(run.WorkflowId, run.Id))}",
            WorkflowEventKind.Started => $"[{@event.Workflow}] nested run {@event.RunId:D} started",
            WorkflowEventKind.JobStarted => $"{where} started",
            WorkflowEventKind.JobSkipped => $"{where} skipped (its conditions do not hold)",
            WorkflowEventKind.JobCompleted => $"{where} {RunRecord.Status(@event.Status ?? RunStatus.Succeeded)}",
            WorkflowEventKind.StepSkipped => $"{where} {@event.Step}: skipped",
            WorkflowEventKind.MethodExecuting => $"{where} {@event.Step}: {@event.Model} {@event.Method} ({@event.Driver})…",
            WorkflowEventKind.StepCompleted => $"{where} {@event.Step}: succeeded{Took(step)}",
            WorkflowEventKind.StepFailed => $"{where} {@event.Step}: failed{Took(step)}: {@event.Error}{(@event.AllowedFailure ? " (allowed to fail)" : string.Empty)}",
            WorkflowEventKind.StepCancelled => $"{where} {@event.Step}: cancelled{(@event.Error is { } left ? $": {left}" : string.Empty)}",
            WorkflowEventKind.Completed when @event.Run is { } done =>
                $"{@event.Workflow} {RunRecord.Status(done.Status)}{(done.Reason is { } reason ? $" ({reason})" : string.Empty)} in {Seconds((done.CompletedAt ?? time.GetUtcNow()) - done.StartedAt)}.",
            _ => null,
        };
        if (line is not null)
        {
            error.WriteLine(line);
        }
    }

    /// <summary>The run log's line for an event: a timestamp, where it happened, what happened.</summary>
    public string LogLine(WorkflowEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var at = RunRecord.Timestamp(time.GetUtcNow());
        var where = string.Join("/", new[] { @event.Depth > 0 ? @event.Workflow : null, @event.Job, @event.Step }.Where(part => part is not null));
        var what = @event.Kind == WorkflowEventKind.MethodOutput
            ? @event.Text
            : string.Join(" ", new[]
            {
                @event.Kind.ToString(),
                @event.Status is { } status ? RunRecord.Status(status) : null,
                @event.Model is null ? null : $"{@event.Model} {@event.Method}",
                @event.Driver,
                @event.Error is null ? null : $"error: {@event.Error}",
            }.Where(part => part is not null));
        return $"{at} [{where}] {what}\n";
    }

    public void RecordFailed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!_recordWarned)
        {
            _recordWarned = true;
            error.WriteLine($"warning: the run record could not be written: {exception.Message}; the run goes on");
        }
    }

    public void TelemetryFailed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!_telemetryWarned)
        {
            _telemetryWarned = true;
            error.WriteLine($"warning: telemetry of a step could not be recorded ({exception.GetType().Name}); the run goes on");
        }
    }

    private static StepRun? Step(WorkflowEvent @event)
    {
        if (@event.Run is not { } run || @event.Job is null || @event.Step is null)
        {
            return null;
        }

        var job = run.Jobs.FirstOrDefault(job => job.Name == @event.Job);
        if (job is null)
        {
            return null;
        }

        lock (job)
        {
            return job.Steps.FirstOrDefault(step => step.Name == @event.Step);
        }
    }

    private static string Took(StepRun? step) =>
        step is { StartedAt: { } started, CompletedAt: { } completed } ? $" in {Seconds(completed - started)}" : string.Empty;

    private static string Seconds(TimeSpan elapsed) => $"{elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s";
}
