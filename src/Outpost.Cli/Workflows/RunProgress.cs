using System.Globalization;
using System.Text;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using Outpost.Workflows.Records;

namespace Outpost.Cli.Workflows;

/// <summary>
/// What a person sees of a run on stderr. Elsewhere than a terminal: one plain line per job and step
/// change (<c>[job] step: succeeded in 1.2s</c>; a nested workflow's lines name it), and the run's end,
/// so a CI log reads top to bottom. On a terminal: the lines that stay (a step's or a job's outcome)
/// scroll above a live block, redrawn in place, that holds the run's counts and elapsed time and one
/// line per method running now with its own elapsed time. Methods' own output goes to the run's log only.
/// </summary>
internal sealed class RunProgress(TextWriter error, TimeProvider time, bool terminal = false, bool colour = false)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Workflow, string? Job, string? Step), (string Label, long Since)> _running = [];
    private readonly long _startedAt = time.GetTimestamp();
    private string? _title;
    private int _succeeded;
    private int _failed;
    private int _drawn;
    private bool _recordWarned;
    private bool _telemetryWarned;

    public void Show(WorkflowEvent @event, RunRecordStore store)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(store);
        if (terminal)
        {
            lock (_gate)
            {
                ShowLive(@event, store);
            }

            return;
        }

        if (Line(@event, store) is { } line)
        {
            error.WriteLine(line);
        }
    }

    /// <summary>Redraws the live block's elapsed times on a terminal; nothing elsewhere.</summary>
    public void Tick()
    {
        if (!terminal)
        {
            return;
        }

        lock (_gate)
        {
            if (_title is not null)
            {
                Redraw();
            }
        }
    }

    private string? Line(WorkflowEvent @event, RunRecordStore store)
    {
        var where = Where(@event);
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
        return line;
    }

    /// <summary>
    /// A method starting joins the live block; a step's end leaves it and prints its outcome above it;
    /// a job's start and a method's start print nothing that stays; the run's end removes the block.
    /// </summary>
    private void ShowLive(WorkflowEvent @event, RunRecordStore store)
    {
        var key = (@event.Workflow, @event.Job, @event.Step);
        switch (@event.Kind)
        {
            case WorkflowEventKind.Started when @event.Depth == 0:
                _title = @event.Workflow;
                break;
            case WorkflowEventKind.JobStarted:
                Redraw();
                return;
            case WorkflowEventKind.MethodExecuting:
                _running[key] = ($"{Where(@event)} {@event.Step}: {@event.Model} {@event.Method} ({@event.Driver})", time.GetTimestamp());
                Redraw();
                return;
            case WorkflowEventKind.StepCompleted:
                _running.Remove(key);
                _succeeded++;
                break;
            case WorkflowEventKind.StepFailed:
                _running.Remove(key);
                if (!@event.AllowedFailure)
                {
                    _failed++;
                }

                break;
            case WorkflowEventKind.StepCancelled:
                _running.Remove(key);
                break;
        }

        Clear();
        if (Line(@event, store) is { } line)
        {
            error.Write(Paint(@event, line));
            error.Write('\n');
        }

        if (@event is { Kind: WorkflowEventKind.Completed, Depth: 0 })
        {
            _title = null;
            error.Flush();
            return;
        }

        Redraw();
    }

    private string Paint(WorkflowEvent @event, string line)
    {
        var code = @event.Kind switch
        {
            WorkflowEventKind.StepCompleted => "32",
            WorkflowEventKind.StepFailed when @event.AllowedFailure => "33",
            WorkflowEventKind.StepFailed or WorkflowEventKind.StepCancelled => "31",
            WorkflowEventKind.JobCompleted or WorkflowEventKind.Completed => @event.Status switch
            {
                RunStatus.Succeeded => "32",
                RunStatus.Failed or RunStatus.Cancelled => "31",
                _ => null,
            },
            _ => null,
        };
        return colour && code is not null ? $"\u001b[{code}m{line}\u001b[0m" : line;
    }

    private void Redraw()
    {
        if (_title is null)
        {
            return;
        }

        var block = new StringBuilder();
        if (_drawn > 0)
        {
            // Up to the first line of the previous block, then clear to the end of the screen.
            block.Append(CultureInfo.InvariantCulture, $"\u001b[{_drawn}F\u001b[J");
        }

        block.Append(CultureInfo.InvariantCulture,
            $"{_title} · {_running.Count} running · {_succeeded} succeeded · {_failed} failed · {Seconds(time.GetElapsedTime(_startedAt))}\n");
        foreach (var (label, since) in _running.Values)
        {
            block.Append("  ▸ ").Append(label).Append(" · ").Append(Seconds(time.GetElapsedTime(since))).Append('\n');
        }

        _drawn = 1 + _running.Count;
        error.Write(block.ToString());
        error.Flush();
    }

    private void Clear()
    {
        if (_drawn > 0)
        {
            error.Write($"\u001b[{_drawn}F\u001b[J");
            _drawn = 0;
        }
    }

    private static string Where(WorkflowEvent @event) => @event.Depth == 0 ? $"[{@event.Job}]" : $"[{@event.Workflow}/{@event.Job}]";

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
            Note($"warning: the run record could not be written: {exception.Message}; the run goes on");
        }
    }

    public void TelemetryFailed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!_telemetryWarned)
        {
            _telemetryWarned = true;
            Note($"warning: telemetry of a step could not be recorded ({exception.GetType().Name}); the run goes on");
        }
    }

    /// <summary>A warning that stays, written above the live block on a terminal.</summary>
    private void Note(string line)
    {
        if (!terminal)
        {
            error.WriteLine(line);
            return;
        }

        lock (_gate)
        {
            Clear();
            error.WriteLine(line);
            Redraw();
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
