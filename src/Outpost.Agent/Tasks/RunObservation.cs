using Microsoft.Extensions.Logging;
using Outpost.Agent.Tasks.Tools;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Agent.Tasks;

/// <summary>
/// The run observability of one task run (issue 23, spec §8): one recorder per run (the answer to one batch of user
/// messages), one attempt per provider request, the stream's events, the tool hooks with each tool's declared effect,
/// the provider's failure, an interruption with the lifecycle action that caused it, and the cleanup of tool calls still
/// outstanding when the run ends. Only names, effects and exceptions reach the recorder — never text, arguments or
/// output — and the recorder never throws into the loop.
/// </summary>
internal sealed class RunObservation : IChatStreamObserver
{
    /// <summary>A text or tool-input delta after the first of its attempt records progress at most this often (the evidence stays small on long answers).</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    private readonly RunObservabilityRecorder _recorder;
    private readonly TaskToolset _tools;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Guid _taskId;
    private readonly Telemetry.ITelemetryReporter? _telemetry;
    private readonly Lock _gate = new();
    private readonly List<TrackedCall> _calls = [];
    private string? _attempt;
    private bool _textSeen;
    private long _lastProgress;

    public RunObservation(Guid taskId, string model, long? parentSequence, TaskToolset tools, TimeProvider time, ILogger logger, Telemetry.ITelemetryReporter? telemetry = null)
    {
        _telemetry = telemetry;
        ArgumentNullException.ThrowIfNull(time);
        _tools = tools;
        _time = time;
        _logger = logger;
        _taskId = taskId;
        var now = time.GetUtcNow();
        MessageId = "msg_" + Guid.CreateVersion7(now).ToString("N");
        _recorder = RunObservabilityRecorder.Start(new RunIdentity
        {
            SessionId = taskId.ToString("N"),
            MessageId = MessageId,
            ParentMessageId = parentSequence is { } sequence ? $"message:{sequence}" : null,
            Provider = "openai_compatible",
            Model = model,
            CreatedAt = now,
        }, time, logger);
    }

    /// <summary>The id of the run's closing message (the run id is <c>run:</c> and this).</summary>
    public string MessageId { get; }

    /// <summary>§8.1: a provider request begins.</summary>
    public void BeginAttempt()
    {
        var attempt = _recorder.BeginAttempt();
        lock (_gate)
        {
            _attempt = attempt;
            _textSeen = false;
            _lastProgress = 0;
        }
    }

    public void TextDelta()
    {
        string? attempt;
        bool first;
        lock (_gate)
        {
            attempt = _attempt;
            first = !_textSeen;
            _textSeen = true;
        }

        if (first)
        {
            _recorder.ProviderProgress(attempt);
            _recorder.VisibleOutput(attempt);
            Progressed();
        }
        else
        {
            ThrottledProgress(attempt);
        }
    }

    public void ToolInputStarted(int index)
    {
        string? attempt;
        lock (_gate)
        {
            attempt = _attempt;
            _calls.Add(new TrackedCall { Attempt = attempt, Index = index });
        }

        _recorder.ProviderProgress(attempt);
        _recorder.ToolInputStarted(attempt);
        Progressed();
    }

    public void ToolInputDelta(int index) => ThrottledProgress(Current());

    public void ToolCallsMaterialized(IReadOnlyList<ChatToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var attempt = Current();
        foreach (var call in calls)
        {
            lock (_gate)
            {
                var tracked = _calls.FirstOrDefault(c => c.Attempt == attempt && c.Id is null);
                if (tracked is not null)
                {
                    tracked.Id = call.Id;
                    tracked.Materialized = true;
                }
            }

            _recorder.ToolInputCompleted(attempt);
            _recorder.ProviderProgress(attempt);
            _recorder.ToolCallMaterialized(attempt, call.Function.Name, EffectOf(call.Function.Name));
        }
    }

    /// <summary>§8.3: just before the tool's body runs.</summary>
    public void ToolStarted(ChatToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var attempt = Current();
        lock (_gate)
        {
            if (Find(call) is { } tracked)
            {
                tracked.ExecutionStarted = true;
                tracked.Attempt = attempt;
            }
        }

        _recorder.ToolExecutionStarted(attempt, call.Function.Name, EffectOf(call.Function.Name));
    }

    /// <summary>§8.3: the tool's body returned (a refusal it returns is a result, not a failure).</summary>
    public void ToolCompleted(ChatToolCall call)
    {
        Settle(call);
        _recorder.ToolCompleted(Current());
    }

    /// <summary>§8.3: the tool's body threw.</summary>
    public void ToolFailed(ChatToolCall call, Exception error)
    {
        Settle(call);
        _recorder.ToolFailed(Current(), error);
    }

    /// <summary>A call answered without running (unknown tool, bad arguments, past the limit): nothing is left to clean up.</summary>
    public void ToolNotRun(ChatToolCall call) => Settle(call);

    /// <summary>§8.4/§8.5: the provider request failed. A refusal or an unreachable provider is a setup failure (no stream began).</summary>
    public void ProviderFailed(ChatFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.Kind is ChatFailureKind.Refused or ChatFailureKind.Unreachable)
        {
            _recorder.SetupFailure(failure.Error);
        }
        else
        {
            _recorder.TransportFailure(Current(), failure.Error);
        }
    }

    /// <summary>A run that cannot even start (a missing secret, no model): its setup failed before any request.</summary>
    public void CannotStart(string reason) => _recorder.SetupFailure(new InvalidOperationException(reason));

    /// <summary>
    /// §8.6: the run was interrupted by <paramref name="action"/> (null only when nothing we know of closed it); the
    /// abort of a stream in progress follows as a transport failure that never wins.
    /// </summary>
    public void Interrupted(LifecycleCloseAction? action, bool streaming)
    {
        _recorder.ScopeClosed(action, "task_runner.interrupt", "aborted");
        if (streaming)
        {
            _recorder.TransportFailure(Current(), new OperationCanceledException());
        }
    }

    /// <summary>§8.7 and finalize: every tool call still outstanding is cleaned up, then the summary (null if the recorder failed).</summary>
    public RunObservability? Finish()
    {
        List<TrackedCall> outstanding;
        lock (_gate)
        {
            outstanding = [.. _calls.Where(c => !c.Settled)];
            outstanding.ForEach(c => c.Settled = true);
        }

        foreach (var call in outstanding)
        {
            _recorder.ToolCallAbandoned(call.Attempt ?? Current(), call.ExecutionStarted, call.Materialized);
        }

        var summary = _recorder.Finalize();
        if (summary is not null)
        {
            TaskAgentLog.RunCompleted(_logger, _taskId, summary.RunId, WireName.Of(summary.Classification), summary.SummaryKey, summary.Attempts.Count,
                (long)summary.DurationsMs.Total, WireName.Of(summary.RetrySafety.Recommendation),
                summary.Incident is { } incident ? WireName.Of(incident.TerminalCause.Category) : "none",
                summary.Incident is { } i ? WireName.Of(i.Phase.RunPhase) : "none",
                summary.Incident is { } r ? WireName.Of(r.Recovery.Recommendation) : "none");
            if (_telemetry is not null)
            {
                RunTelemetry.RunCompleted(_telemetry, _taskId, summary);
            }
        }

        return summary;
    }

    private RunToolEffect EffectOf(string name) => _tools.Find(name)?.Effect switch
    {
        ToolEffect.ReadOnly => RunToolEffect.ReadOnly,
        ToolEffect.FileWrite => RunToolEffect.LocalFileWrite,
        ToolEffect.Shell => RunToolEffect.LocalProcess,
        _ => RunToolEffect.Unknown,
    };

    private string? Current()
    {
        lock (_gate)
        {
            return _attempt;
        }
    }

    private void Settle(ChatToolCall call)
    {
        lock (_gate)
        {
            if (Find(call) is { } tracked)
            {
                tracked.Settled = true;
            }
        }
    }

    private TrackedCall? Find(ChatToolCall call) => _calls.LastOrDefault(c => c.Id == call.Id && !c.Settled);

    private void ThrottledProgress(string? attempt)
    {
        lock (_gate)
        {
            if (_lastProgress != 0 && _time.GetElapsedTime(_lastProgress) < ProgressInterval)
            {
                return;
            }
        }

        _recorder.ProviderProgress(attempt);
        Progressed();
    }

    private void Progressed()
    {
        lock (_gate)
        {
            _lastProgress = _time.GetTimestamp();
        }
    }

    private sealed class TrackedCall
    {
        public string? Attempt { get; set; }

        public int Index { get; init; }

        public string? Id { get; set; }

        public bool Materialized { get; set; }

        public bool ExecutionStarted { get; set; }

        public bool Settled { get; set; }
    }
}
