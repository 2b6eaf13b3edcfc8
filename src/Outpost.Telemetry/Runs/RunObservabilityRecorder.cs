// How the agent loop drives a recorder (run-observability-spec §8, §9). One recorder per run, i.e. per
// assistant turn; every call is safe to make from any thread and never throws.
//
//   var run = RunObservabilityRecorder.Start(new RunIdentity { SessionId = taskId, MessageId = assistantId,
//       ParentMessageId = userMessageId, Provider = "openai", Model = model, CreatedAt = now }, time, logger);
//
//   For each provider stream request (every internal retry too, §8.1):
//     var attempt = run.BeginAttempt();                    // before building the request
//     building the request throws  -> run.SetupFailure(ex) // then rethrow as before (§8.5)
//   Stream events (§8.2), with the attempt that is current:
//     text start/delta             -> run.ProviderProgress(attempt); run.VisibleOutput(attempt)
//     reasoning start              -> run.ProviderProgress(attempt); run.VisibleOutput(attempt, VisibleOutputKind.Reasoning)
//     reasoning delta, tool-input delta, tool result/error events -> run.ProviderProgress(attempt)
//     tool-call input starts       -> run.ProviderProgress(attempt); run.ToolInputStarted(attempt, providerExecuted)
//     tool-call input ends         -> run.ToolInputCompleted(attempt)            (not progress)
//     tool call complete           -> run.ProviderProgress(attempt); run.ToolCallMaterialized(attempt, rawName, effect)
//   Tool hooks (§8.3), keyed by the call; the recorder only ever sees the name and the declared effect:
//     just before the tool body    -> run.ToolExecutionStarted(attempt, rawName, effect)
//     it returned                  -> run.ToolCompleted(currentAttempt)
//     it threw (not cancellation)  -> run.ToolFailed(currentAttempt, ex)
//   The error that escaped the retries (§8.4)  -> run.TransportFailure(currentAttempt, ex), or, for a failure the
//     client returned as a value, run.TransportFailure(currentAttempt, ErrorFingerprints.ForCause(code, name)) with
//     code from TransportErrorMapper.CauseCode(caught exception) or TransportCauseCodes (docs/tasks.md "Run diagnostics")
//   The run was interrupted (§8.6): first run.ScopeClosed(action, "task_runner.interrupt", "aborted"), where action
//     is the LifecycleCloseAction that closed it (a task stop, a workspace stop, the agent shutting down or
//     reinitialising: LifecycleCloseAction.Create(kind, time) by whoever initiated it), null only when no one did;
//     then the abort's own exception may go to TransportFailure: it never wins, it came later.
//   End of every stream pass (§8.7): for each tool call still outstanding,
//     run.ToolCallAbandoned(callAttempt ?? currentAttempt, executionStarted, materialized)
//   then RunObservability? summary = run.Finalize(); store it on the assistant message under
//   diagnostics.run_observability, replacing the previous one. Finalize is pure and may be called again.
//
// Never hand the recorder prompt text, model output, tool arguments or output, or paths: its API has no place
// for them. Exceptions are reduced to fingerprints at the call (§6.2), tool names to safe names (§6.3).
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// Records what happened in one run as safe facts and ordered evidence, and derives its summary, classification,
/// retry advice and incident on <see cref="Finalize"/> (run-observability-spec §2–§7). A guarded facade: a fault of
/// its own is logged (event id 2100+), counted in <see cref="InternalErrors"/> and swallowed, and the run goes on.
/// </summary>
public sealed class RunObservabilityRecorder
{
    private static long _totalInternalErrors;

    private readonly Lock _gate = new();
    private readonly RunRecording? _recording;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _startTimestamp;
    private int _internalErrors;

    private RunObservabilityRecorder(RunIdentity identity, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        RunId = "run:unknown";
        RunRecording? recording = null;
        long start = 0;
        Guard(nameof(Start), () =>
        {
            start = _time.GetTimestamp();
            recording = new RunRecording(identity, monotonicStartMs: 0);
            RunId = recording.RunId;
        });
        _startTimestamp = start;
        _recording = recording;
    }

    /// <summary>Every internal fault of every recorder in this process (for a metric).</summary>
    public static long TotalInternalErrors => Interlocked.Read(ref _totalInternalErrors);

    /// <summary><c>run:</c> and the assistant message's id.</summary>
    public string RunId { get; private set; }

    /// <summary>The attempt begun last, or null before the first.</summary>
    public string? CurrentAttemptId { get; private set; }

    /// <summary>This recorder's own faults, each logged and swallowed.</summary>
    public int InternalErrors => Volatile.Read(ref _internalErrors);

    /// <summary>Starts the recorder of one run; the monotonic clock starts now.</summary>
    /// <param name="identity">Who the run is.</param>
    /// <param name="time">Both clocks: <see cref="TimeProvider.GetUtcNow"/> and <see cref="TimeProvider.GetTimestamp"/>.</param>
    /// <param name="logger">Where the recorder's own faults go.</param>
    /// <returns>The recorder.</returns>
    public static RunObservabilityRecorder Start(RunIdentity identity, TimeProvider? time = null, ILogger? logger = null) =>
        new(identity, time ?? TimeProvider.System, logger ?? NullLogger.Instance);

    /// <summary>§3 beginAttempt: a new attempt (one provider stream request), which becomes the current one.</summary>
    /// <returns>Its id (the run id, <c>:attempt:</c>, the 1-based index), or null if the recorder failed.</returns>
    public string? BeginAttempt()
    {
        string? id = null;
        Record(nameof(BeginAttempt), (r, at, mono) => id = CurrentAttemptId = r.BeginAttempt(at, mono));
        return id;
    }

    /// <summary>§3 recordProviderProgress.</summary>
    /// <param name="attemptId">The attempt the event belongs to.</param>
    public void ProviderProgress(string? attemptId) =>
        Record(nameof(ProviderProgress), (r, _, mono) => r.ProviderProgress(attemptId, mono));

    /// <summary>§3 recordVisibleOutput.</summary>
    /// <param name="attemptId">The attempt.</param>
    /// <param name="kind">Text (the default) or reasoning.</param>
    public void VisibleOutput(string? attemptId, VisibleOutputKind kind = VisibleOutputKind.Text) =>
        Record(nameof(VisibleOutput), (r, _, mono) => r.VisibleOutput(attemptId, mono, kind));

    /// <summary>§3 recordToolInputStarted.</summary>
    /// <param name="attemptId">The attempt.</param>
    /// <param name="providerExecuted">The provider runs the tool itself (the side-effect facts become incomplete).</param>
    public void ToolInputStarted(string? attemptId, bool providerExecuted = false) =>
        Record(nameof(ToolInputStarted), (r, _, mono) => r.ToolInputStart(attemptId, mono, providerExecuted));

    /// <summary>§3 recordToolInputCompleted.</summary>
    /// <param name="attemptId">The attempt.</param>
    public void ToolInputCompleted(string? attemptId) =>
        Record(nameof(ToolInputCompleted), (r, _, mono) => r.ToolInputComplete(attemptId, mono));

    /// <summary>§3 recordToolCallMaterialized: the model finished a tool call (it has not run).</summary>
    /// <param name="attemptId">The attempt.</param>
    /// <param name="toolName">The raw tool name; only its safe form (§6.3) is kept.</param>
    /// <param name="effect">The tool's declared effect; null takes §6.4's table by name.</param>
    /// <param name="providerExecuted">The provider runs the tool itself.</param>
    public void ToolCallMaterialized(string? attemptId, string? toolName, RunToolEffect? effect = null, bool providerExecuted = false) =>
        Record(nameof(ToolCallMaterialized), (r, _, mono) =>
            r.ToolCallMaterialize(attemptId, mono, RunSafeText.ToolName(toolName), effect ?? RunToolEffect.ForToolName(toolName), providerExecuted));

    /// <summary>§3 recordToolExecutionStarted: just before the tool's body runs (after any gate that may refuse it).</summary>
    /// <param name="attemptId">The attempt.</param>
    /// <param name="toolName">The raw tool name; only its safe form is kept.</param>
    /// <param name="effect">The declared effect; null takes §6.4's table by name.</param>
    public void ToolExecutionStarted(string? attemptId, string? toolName, RunToolEffect? effect = null) =>
        Record(nameof(ToolExecutionStarted), (r, _, mono) =>
            r.ToolExecutionStart(attemptId, mono, RunSafeText.ToolName(toolName), effect ?? RunToolEffect.ForToolName(toolName)));

    /// <summary>§3 recordToolCompleted.</summary>
    /// <param name="attemptId">The current attempt (§8.3).</param>
    public void ToolCompleted(string? attemptId) =>
        Record(nameof(ToolCompleted), (r, at, mono) => r.ToolComplete(attemptId, at, mono));

    /// <summary>§3 recordToolFailed: the tool's body threw.</summary>
    /// <param name="attemptId">The current attempt (§8.3).</param>
    /// <param name="error">What it threw; only its fingerprint is kept.</param>
    public void ToolFailed(string? attemptId, Exception? error) =>
        Record(nameof(ToolFailed), (r, _, mono) => r.ToolFail(attemptId, mono, error is null ? null : ErrorFingerprints.Of(error)));

    /// <summary>§3 recordToolInterrupted (guarded: an attempt without a started execution records a pending part).</summary>
    /// <param name="attemptId">The call's attempt.</param>
    public void ToolInterrupted(string? attemptId) =>
        Record(nameof(ToolInterrupted), (r, _, mono) => r.ToolInterrupt(attemptId, mono));

    /// <summary>§3 recordPendingToolPartInterrupted: a tool call that never ran was cleaned up (never a failure).</summary>
    /// <param name="attemptId">The call's attempt.</param>
    /// <param name="phase">How far it got.</param>
    /// <param name="toolExecutionStarted">Whether it had started (false in §8.7).</param>
    public void PendingToolPartInterrupted(string? attemptId, InterruptionPhase? phase, bool? toolExecutionStarted = false) =>
        Record(nameof(PendingToolPartInterrupted), (r, _, mono) => r.PendingToolPartInterrupt(attemptId, mono, phase, toolExecutionStarted));

    /// <summary>
    /// §8.7 for one outstanding tool call at the end of a stream pass: an executing call was interrupted, anything
    /// else is a pending part with its phase.
    /// </summary>
    /// <param name="attemptId">The call's attempt, or the current one.</param>
    /// <param name="executionStarted">Its body had started.</param>
    /// <param name="materialized">The model had finished the call.</param>
    public void ToolCallAbandoned(string? attemptId, bool executionStarted, bool materialized)
    {
        if (executionStarted)
        {
            ToolInterrupted(attemptId);
            return;
        }

        PendingToolPartInterrupted(attemptId,
            materialized ? InterruptionPhase.ToolCallMaterializedWithoutExecution : InterruptionPhase.ToolInputGeneration,
            toolExecutionStarted: false);
    }

    /// <summary>§3 recordTransportFailure: the error that escaped the provider request's retries (§8.4).</summary>
    /// <param name="attemptId">The current attempt.</param>
    /// <param name="error">What was thrown; mapped by <see cref="TransportErrorMapper"/> and reduced to a fingerprint.</param>
    public void TransportFailure(string? attemptId, Exception? error) =>
        Record(nameof(TransportFailure), (r, _, mono) => r.TransportFail(attemptId, mono, ErrorFingerprints.Of(error)));

    /// <summary>
    /// §3 recordTransportFailure for a failure known by its code rather than an exception (the agent's typed provider
    /// failures; build it with <see cref="ErrorFingerprints.ForCause"/>). The fingerprint is sanitized again.
    /// </summary>
    /// <param name="attemptId">The current attempt.</param>
    /// <param name="error">The fingerprint.</param>
    public void TransportFailure(string? attemptId, ErrorFingerprint error) =>
        Record(nameof(TransportFailure), (r, _, mono) => r.TransportFail(attemptId, mono, ErrorFingerprints.Sanitize(error)));

    /// <summary>§3 recordSetupFailure for a failure known by its code (e.g. a refused request: <c>http_status_429</c>).</summary>
    /// <param name="error">The fingerprint; sanitized again.</param>
    public void SetupFailure(ErrorFingerprint error) =>
        Record(nameof(SetupFailure), (r, _, mono) => r.SetupFail(mono, ErrorFingerprints.Sanitize(error)));

    /// <summary>§3 recordSetupFailure: building the provider request threw (§8.5).</summary>
    /// <param name="error">What was thrown.</param>
    public void SetupFailure(Exception? error) =>
        Record(nameof(SetupFailure), (r, _, mono) => r.SetupFail(mono, ErrorFingerprints.Of(error)));

    /// <summary>§3 recordScopeClosed: the run was interrupted (§8.6).</summary>
    /// <param name="action">The lifecycle action that closed it; null only when nobody we know of did (an unknown close).</param>
    /// <param name="source">A safe label of the code that saw the close (kept as a marker, §6.5).</param>
    /// <param name="reason">A safe label of why.</param>
    public void ScopeClosed(LifecycleCloseAction? action, string? source = null, string? reason = null) =>
        Record(nameof(ScopeClosed), (r, _, mono) => r.ScopeClose(mono,
            action is null ? null : action with { ActionId = RunSafeText.Label(action.ActionId) },
            source is null ? null : RunSafeText.Marker(source),
            reason is null ? null : RunSafeText.Marker(reason)));

    /// <summary>
    /// The summary as of now (§2 finalize): pure and repeatable, each call a complete snapshot with the incident inside.
    /// </summary>
    /// <returns>The summary, or null if the recorder failed to start or to derive.</returns>
    public RunObservability? Finalize()
    {
        RunObservability? summary = null;
        Record(nameof(Finalize), (r, at, mono) => summary = RunSummaryDerivation.Build(r, at, mono));
        return summary is not null && InternalErrors > 0 ? summary with { InternalErrors = InternalErrors } : summary;
    }

    private void Record(string operation, Action<RunRecording, DateTimeOffset, double> record) =>
        Guard(operation, () =>
        {
            if (_recording is null)
            {
                return;
            }

            lock (_gate)
            {
                record(_recording, _time.GetUtcNow(), _time.GetElapsedTime(_startTimestamp).TotalMilliseconds);
            }
        });

    private void Guard(string operation, Action action)
    {
#pragma warning disable CA1031 // The recorder must never break the run it observes (issue 23): every fault is logged and counted.
        try
        {
            action();
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _internalErrors);
            Interlocked.Increment(ref _totalInternalErrors);
            try
            {
                RunObservabilityLog.RecorderFailed(_logger, operation, RunId, exception);
            }
            catch (Exception)
            {
                // A logger that throws must not break the run either.
            }
        }
#pragma warning restore CA1031
    }
}
