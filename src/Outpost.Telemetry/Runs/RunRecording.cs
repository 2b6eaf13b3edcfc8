using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>What the first failure of a run was (the legacy failure slot, run-observability-spec §3).</summary>
internal enum RunFailureKind
{
    Transport,
    Setup,
    Tool,
    ScopeClosed,
}

/// <summary>The first failure: set once, never replaced (§1.4 "first cause wins").</summary>
internal sealed record RunFailure(RunFailureKind Kind, double MonotonicMs)
{
    public string? AttemptId { get; init; }

    public ErrorFingerprint? Error { get; init; }

    public LifecycleCloseAction? Action { get; init; }

    public string? Source { get; init; }

    public string? Reason { get; init; }
}

/// <summary>One attempt's state (§3, §4).</summary>
internal sealed class RunAttemptState(string id, int index, DateTimeOffset startedAt, double lastMs)
{
    public string Id { get; } = id;

    public int Index { get; } = index;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public double LastMs { get; set; } = lastMs;

    public DateTimeOffset? LastToolCompletedAt { get; set; }

    public bool ProviderProgressSeen { get; set; }

    public bool VisibleOutputSeen { get; set; }

    public bool ToolCallSeen { get; set; }

    public bool ToolInputStarted { get; set; }

    public bool ToolInputCompleted { get; set; }

    public bool ToolCallMaterialized { get; set; }

    public bool ToolExecutionStarted { get; set; }

    public bool UnsafeSideEffectStarted { get; set; }
}

/// <summary>A tool call that materialized (§7.8): whether it ran or not, it bounds what a retry may repeat.</summary>
internal sealed record MaterializedBoundary(string? AttemptId, string? Tool, RunToolEffect Effect);

/// <summary>
/// The state of one run and its append-only evidence (run-observability-spec §3). Every operation takes its two
/// clock readings explicitly (wall <c>at</c>, monotonic <c>mono</c> in ms); inputs are already safe values: error
/// fingerprints, safe tool names, effects, a lifecycle action. Not thread-safe: <see cref="RunObservabilityRecorder"/>
/// serialises calls and reads the clocks. Derivations read it in <see cref="RunSummaryDerivation"/>.
/// </summary>
internal sealed class RunRecording
{
    /// <summary>The marker of dropped partial tool input (§6.1, §6.5).</summary>
    public const string RawToolInputMarker = "raw_tool_input";

    /// <summary>The lifecycle subcategory of a close without a known action (§7.4).</summary>
    public const string UnknownLifecycleClose = "unknown_lifecycle_close";

    private static readonly IReadOnlyList<string> RawToolInput = [RawToolInputMarker];

    private readonly List<RunAttemptState> _attempts = [];
    private readonly List<RecordedEvidence> _evidence = [];
    private readonly List<MaterializedBoundary> _boundaries = [];
    private readonly List<ToolEffectKind> _unsafeKinds = [];

    public RunRecording(RunIdentity identity, double monotonicStartMs)
    {
        ArgumentNullException.ThrowIfNull(identity);
        SessionId = RunSafeText.Label(identity.SessionId);
        MessageId = RunSafeText.Label(identity.MessageId);
        ParentMessageId = identity.ParentMessageId is null ? null : RunSafeText.Label(identity.ParentMessageId);
        Provider = RunSafeText.Label(identity.Provider);
        Model = RunSafeText.Label(identity.Model);
        CreatedAt = identity.CreatedAt;
        RunId = RunIds.RunId(MessageId);
        IncidentId = RunIds.IncidentId(MessageId);
        MonotonicStartMs = monotonicStartMs;
        LastEventMs = monotonicStartMs;
    }

    public string SessionId { get; }

    public string MessageId { get; }

    public string? ParentMessageId { get; }

    public string Provider { get; }

    public string Model { get; }

    public DateTimeOffset CreatedAt { get; }

    public string RunId { get; }

    public string IncidentId { get; }

    public double MonotonicStartMs { get; }

    public double LastEventMs { get; private set; }

    public IReadOnlyList<RunAttemptState> Attempts => _attempts;

    public IReadOnlyList<RecordedEvidence> Evidence => _evidence;

    public IReadOnlyList<MaterializedBoundary> Boundaries => _boundaries;

    public IReadOnlyList<ToolEffectKind> UnsafeSideEffectKinds => _unsafeKinds;

    public RunFailure? Failure { get; private set; }

    public bool ProviderProgressSeen { get; private set; }

    public bool VisibleOutputSeen { get; private set; }

    public bool ToolCallSeen { get; private set; }

    public bool ToolInputStarted { get; private set; }

    public bool ToolInputCompleted { get; private set; }

    public bool ToolCallMaterialized { get; private set; }

    public bool ToolExecutionStarted { get; private set; }

    /// <summary>Internal only (§3: not exported at the baseline).</summary>
    public bool ToolExecutionCompleted { get; private set; }

    public bool ReadOnlyToolStarted { get; private set; }

    public bool UnsafeSideEffectStarted { get; private set; }

    public bool SideEffectFactsComplete { get; private set; } = true;

    public int PendingToolPartsInterrupted { get; private set; }

    public RunAttemptState? FindAttempt(string? attemptId) =>
        attemptId is null ? null : _attempts.Find(a => string.Equals(a.Id, attemptId, StringComparison.Ordinal));

    /// <summary>§3 beginAttempt: the index is the recorder's own 1-based count (§8.1).</summary>
    public string BeginAttempt(DateTimeOffset at, double mono)
    {
        var attempt = new RunAttemptState(RunIds.AttemptId(RunId, _attempts.Count + 1), _attempts.Count + 1, at, mono);
        _attempts.Add(attempt);
        TouchRun(mono);
        Append(attempt, mono, EvidenceSource.Processor, EvidenceEventType.AttemptStarted);
        return attempt.Id;
    }

    public void ProviderProgress(string? attemptId, double mono)
    {
        var attempt = FindAttempt(attemptId);
        ProviderProgressSeen = true;
        attempt?.ProviderProgressSeen = true;
        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.ProviderProgressSeen);
    }

    /// <summary>§3 recordVisibleOutput: two events on every call, no de-duplication.</summary>
    public void VisibleOutput(string? attemptId, double mono, VisibleOutputKind kind)
    {
        var attempt = FindAttempt(attemptId);
        VisibleOutputSeen = true;
        attempt?.VisibleOutputSeen = true;
        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ProviderStream,
            kind == VisibleOutputKind.Reasoning ? EvidenceEventType.ReasoningOutputStarted : EvidenceEventType.TextOutputStarted);
        Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.VisibleOutputSeen);
    }

    public void ToolInputStart(string? attemptId, double mono, bool providerExecuted)
    {
        var attempt = FindAttempt(attemptId);
        ToolInputStarted = true;
        attempt?.ToolInputStarted = true;
        if (providerExecuted)
        {
            SideEffectFactsComplete = false;
        }

        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.ToolInputStarted);
        if (providerExecuted)
        {
            Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.ProviderExecutedToolBoundary);
        }
    }

    public void ToolInputComplete(string? attemptId, double mono)
    {
        var attempt = FindAttempt(attemptId);
        ToolInputCompleted = true;
        attempt?.ToolInputCompleted = true;
        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.ToolInputCompleted);
    }

    /// <summary>§3 recordToolCallMaterialized; a missing effect is unknown/unsafe/incomplete.</summary>
    public void ToolCallMaterialize(string? attemptId, double mono, string? safeToolName, RunToolEffect? declared, bool providerExecuted)
    {
        var attempt = FindAttempt(attemptId);
        var effect = declared ?? RunToolEffect.Unknown;
        ToolCallSeen = true;
        ToolCallMaterialized = true;
        attempt?.ToolCallSeen = true;
        attempt?.ToolCallMaterialized = true;
        _boundaries.Add(new MaterializedBoundary(attempt?.Id, safeToolName, effect));
        if (providerExecuted || !effect.Complete)
        {
            SideEffectFactsComplete = false;
        }

        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.ToolCallMaterialized, e => e with
        {
            ToolName = safeToolName,
            Effect = effect,
        });
    }

    public void ToolExecutionStart(string? attemptId, double mono, string safeToolName, RunToolEffect effect)
    {
        var attempt = FindAttempt(attemptId);
        ToolExecutionStarted = true;
        if (effect.Kind == ToolEffectKind.ReadOnly)
        {
            ReadOnlyToolStarted = true;
        }

        if (!effect.Complete)
        {
            SideEffectFactsComplete = false;
        }

        if (effect.Unsafe)
        {
            UnsafeSideEffectStarted = true;
            if (!_unsafeKinds.Contains(effect.Kind))
            {
                _unsafeKinds.Add(effect.Kind);
            }
        }

        if (attempt is not null)
        {
            attempt.ToolExecutionStarted = true;
            attempt.UnsafeSideEffectStarted |= effect.Unsafe;
        }

        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ToolRunner, EvidenceEventType.ToolExecutionStarted, e => e with { ToolName = safeToolName });
        if (effect.Kind == ToolEffectKind.ReadOnly)
        {
            Append(attempt, mono, EvidenceSource.ToolRunner, EvidenceEventType.ReadOnlyToolStarted, e => e with { ToolName = safeToolName });
        }

        if (effect.Unsafe)
        {
            Append(attempt, mono, EvidenceSource.ToolRunner, EvidenceEventType.UnsafeSideEffectStarted, e => e with
            {
                ToolName = safeToolName,
                Effect = effect,
                Confidence = effect.Complete ? RunConfidence.High : RunConfidence.Medium,
            });
        }
    }

    public void ToolComplete(string? attemptId, DateTimeOffset at, double mono)
    {
        var attempt = FindAttempt(attemptId);
        ToolExecutionCompleted = true;
        attempt?.LastToolCompletedAt = at;
        Touch(attempt, mono);
        Append(attempt, mono, EvidenceSource.ToolRunner, EvidenceEventType.ToolExecutionCompleted);
    }

    /// <summary>§3 recordToolFailed; §11.6: no error object still gives an empty fingerprint.</summary>
    public void ToolFail(string? attemptId, double mono, ErrorFingerprint? error)
    {
        var attempt = FindAttempt(attemptId);
        var fingerprint = error ?? new ErrorFingerprint();
        SetFailure(new RunFailure(RunFailureKind.Tool, mono) { AttemptId = attempt?.Id, Error = fingerprint });
        TouchRun(mono);
        Append(attempt, mono, EvidenceSource.ToolRunner, EvidenceEventType.ToolExecutionFailure, e => e with
        {
            TerminalCandidate = true,
            Error = fingerprint,
            Cause = new RunTerminalCause { Category = RunCauseCategory.ToolExecutionFailure, Error = fingerprint, Confidence = RunConfidence.High },
        });
    }

    /// <summary>
    /// §3 recordToolInterrupted with the 7d020ba07 guard (§7.9): an attempt that never started a tool execution turns
    /// the report into a pending-part cleanup that neither fails the run nor becomes terminal.
    /// </summary>
    public void ToolInterrupt(string? attemptId, double mono)
    {
        var attempt = FindAttempt(attemptId);
        if (attempt is null || !attempt.ToolExecutionStarted)
        {
            PendingToolPartsInterrupted++;
            TouchRun(mono);
            Append(attempt, mono, EvidenceSource.Processor, EvidenceEventType.PendingToolPartInterrupted, e => e with
            {
                Confidence = RunConfidence.Medium,
                Redactions = RawToolInput,
                ToolExecutionStarted = false,
                InterruptionPhase = attempt?.ToolCallMaterialized == true
                    ? Sdk.Tasks.InterruptionPhase.ToolCallMaterializedWithoutExecution
                    : Sdk.Tasks.InterruptionPhase.ToolInputGeneration,
            });
            return;
        }

        SetFailure(new RunFailure(RunFailureKind.Tool, mono) { AttemptId = attempt.Id });
        TouchRun(mono);
        Append(attempt, mono, EvidenceSource.ToolRunner, EvidenceEventType.ToolExecutionInterrupted, e => e with
        {
            TerminalCandidate = true,
            Confidence = RunConfidence.Medium,
            InterruptionPhase = Sdk.Tasks.InterruptionPhase.ToolExecution,
            ToolExecutionStarted = true,
            Cause = new RunTerminalCause { Category = RunCauseCategory.ToolExecutionInterrupted, Confidence = RunConfidence.Medium },
        });
    }

    public void PendingToolPartInterrupt(string? attemptId, double mono, InterruptionPhase? phase, bool? toolExecutionStarted)
    {
        var attempt = FindAttempt(attemptId);
        PendingToolPartsInterrupted++;
        TouchRun(mono);
        Append(attempt, mono, EvidenceSource.Processor, EvidenceEventType.PendingToolPartInterrupted, e => e with
        {
            Confidence = RunConfidence.Medium,
            Redactions = RawToolInput,
            InterruptionPhase = phase,
            ToolExecutionStarted = toolExecutionStarted,
        });
    }

    /// <summary>§3 recordTransportFailure; the cause is computed now, from the facts seen so far (§7.5).</summary>
    public void TransportFail(string? attemptId, double mono, ErrorFingerprint error)
    {
        var attempt = FindAttempt(attemptId);
        SetFailure(new RunFailure(RunFailureKind.Transport, mono) { AttemptId = attempt?.Id, Error = error });
        TouchRun(mono);
        var cause = TransportCause(attempt, error);
        Append(attempt, mono, EvidenceSource.ProviderStream, EvidenceEventType.ProviderTransportFailure, e => e with
        {
            TerminalCandidate = true,
            Confidence = cause.Confidence,
            Error = error,
            Cause = cause,
        });
    }

    public void SetupFail(double mono, ErrorFingerprint error)
    {
        SetFailure(new RunFailure(RunFailureKind.Setup, mono) { Error = error });
        TouchRun(mono);
        Append(null, mono, EvidenceSource.Processor, EvidenceEventType.RequestSetupFailure, e => e with
        {
            TerminalCandidate = true,
            Error = error,
            Cause = new RunTerminalCause { Category = RunCauseCategory.RequestSetupFailure, Error = error, Confidence = RunConfidence.High },
        });
    }

    /// <summary>§3 recordScopeClosed: a close with an action is high confidence, without one medium and unknown.</summary>
    public void ScopeClose(double mono, LifecycleCloseAction? action, string? source, string? reason)
    {
        SetFailure(new RunFailure(RunFailureKind.ScopeClosed, mono) { Action = action, Source = source, Reason = reason });
        TouchRun(mono);
        var confidence = action is null ? RunConfidence.Medium : RunConfidence.High;
        Append(null, mono, EvidenceSource.Lifecycle, EvidenceEventType.LifecycleCloseSeen, e => e with
        {
            TerminalCandidate = true,
            Confidence = confidence,
            Cause = new RunTerminalCause
            {
                Category = RunCauseCategory.LocalLifecycleClose,
                Subcategory = action is null ? UnknownLifecycleClose : WireName.Of(action.Kind),
                Confidence = confidence,
            },
        });
    }

    /// <summary>§7.5, from the attempt's flags or, without an attempt, the run's.</summary>
    private RunTerminalCause TransportCause(RunAttemptState? attempt, ErrorFingerprint error)
    {
        var inputStarted = attempt?.ToolInputStarted ?? ToolInputStarted;
        var inputCompleted = attempt?.ToolInputCompleted ?? ToolInputCompleted;
        var materialized = attempt?.ToolCallMaterialized ?? ToolCallMaterialized;
        var progress = attempt?.ProviderProgressSeen ?? ProviderProgressSeen;
        var subcategory =
            inputStarted && !inputCompleted && !materialized ? TransportSubcategory.DuringToolInputGeneration
            : inputCompleted && !materialized ? TransportSubcategory.UnknownStreamPhase
            : materialized ? TransportSubcategory.AfterToolCallBeforeExecution
            : progress ? TransportSubcategory.DuringTextGeneration
            : TransportSubcategory.BeforeFirstProviderProgress;
        var socketClosed = TransportCauseCodes.IsSocketClosed(error.CauseCode);
        return new RunTerminalCause
        {
            Category = RunCauseCategory.ProviderTransportDisconnect,
            Subcategory = WireName.Of(subcategory),
            Boundary = socketClosed ? TransportBoundary.SdkTransport : TransportBoundary.Unknown,
            Error = error,
            Confidence = socketClosed ? RunConfidence.High : RunConfidence.Medium,
        };
    }

    private void SetFailure(RunFailure failure) => Failure ??= failure;

    private void Touch(RunAttemptState? attempt, double mono)
    {
        attempt?.LastMs = Math.Max(attempt.LastMs, mono);
        TouchRun(mono);
    }

    private void TouchRun(double mono) => LastEventMs = Math.Max(LastEventMs, mono);

    private void Append(RunAttemptState? attempt, double mono, EvidenceSource source, EvidenceEventType type, Func<RecordedEvidence, RecordedEvidence>? shape = null)
    {
        var evidence = new RecordedEvidence
        {
            Order = _evidence.Count + 1,
            MonotonicMs = mono,
            Source = source,
            AttemptId = attempt?.Id,
            EventType = type,
        };
        if (shape is not null)
        {
            evidence = shape(evidence);
        }

        _evidence.Add(evidence);
    }
}

/// <summary>What kind of visible output started (§3 recordVisibleOutput).</summary>
public enum VisibleOutputKind
{
    /// <summary>Answer text.</summary>
    Text,

    /// <summary>Reasoning (counts as visible for the legacy retry advice, §11.7).</summary>
    Reasoning,
}
