namespace Outpost.Sdk.Tasks;

/// <summary>
/// Why a run ended, derived from its ordered evidence (run-observability-spec §7.12, run_incident
/// schema_version 1): the terminal cause, the phase it hit, the facts, provenance and the recovery advice.
/// Embedded as <see cref="RunObservability.Incident"/> and repeated in the export's <c>run_incidents</c>.
/// </summary>
public sealed record RunIncident
{
    /// <summary>The schema version this record follows.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Always <see cref="CurrentSchemaVersion"/>.</summary>
    public required int SchemaVersion { get; init; }

    /// <summary><c>incident:</c> and the message id.</summary>
    public required string IncidentId { get; init; }

    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The assistant message's id.</summary>
    public required string TraceId { get; init; }

    /// <summary>The conversation's id.</summary>
    public required string SessionId { get; init; }

    /// <summary>The assistant message's id.</summary>
    public required string MessageId { get; init; }

    /// <summary>The user message's id, when known.</summary>
    public string? ParentMessageId { get; init; }

    /// <summary>When the assistant message was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The finalize time, when given.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The cause: the earliest terminal evidence (spec §7.2).</summary>
    public required RunTerminalCause TerminalCause { get; init; }

    /// <summary>Where the run was when it ended (spec §7.6).</summary>
    public required RunIncidentPhase Phase { get; init; }

    /// <summary>The run-level facts (spec §7.3).</summary>
    public required RunIncidentFacts Facts { get; init; }

    /// <summary>Who closed the run, as far as known (spec §7.10).</summary>
    public required RunIncidentProvenance Provenance { get; init; }

    /// <summary>The conservative recovery advice (spec §7.7).</summary>
    public required RunRecovery Recovery { get; init; }

    /// <summary>The ordered evidence, bounded to 24 entries (spec §6.6), without causes.</summary>
    public required IReadOnlyList<RunEvidenceEvent> Evidence { get; init; }

    /// <summary>Localisation keys for people (spec §7.11).</summary>
    public required RunIncidentUserSummary UserSummary { get; init; }

    /// <summary>A fixed English sentence (spec §7.11).</summary>
    public required string PlainSummary { get; init; }

    /// <summary>What provenance is missing (spec §7.10); absent when nothing is.</summary>
    public IReadOnlyList<string>? MissingProvenance { get; init; }

    /// <summary>True exactly when <see cref="MissingProvenance"/> is absent.</summary>
    public required bool DiagnosticsComplete { get; init; }
}

/// <summary>The terminal cause (spec §7.4).</summary>
public sealed record RunTerminalCause
{
    /// <summary>The category.</summary>
    public required RunCauseCategory Category { get; init; }

    /// <summary>
    /// The subcategory: a <see cref="TransportSubcategory"/> for a transport disconnect, the <see cref="LifecycleKind"/>
    /// or <c>unknown_lifecycle_close</c> for a lifecycle close, a <see cref="WatchdogSubcategory"/> for a watchdog; absent otherwise.
    /// </summary>
    public string? Subcategory { get; init; }

    /// <summary>The boundary, for a transport disconnect.</summary>
    public TransportBoundary? Boundary { get; init; }

    /// <summary>The error fingerprint (transport, setup, tool failure).</summary>
    public ErrorFingerprint? Error { get; init; }

    /// <summary>How sure.</summary>
    public required RunConfidence Confidence { get; init; }

    /// <summary>The tool (declared; never filled: causes carry no tool name).</summary>
    public string? Tool { get; init; }
}

/// <summary>The phase at the terminal event, from the terminal attempt's facts (spec §7.6).</summary>
public sealed record RunIncidentPhase
{
    /// <summary>The run's phase.</summary>
    public required RunPhase RunPhase { get; init; }

    /// <summary>The stream's phase.</summary>
    public required StreamPhase StreamPhase { get; init; }

    /// <summary>The tool's phase.</summary>
    public required ToolPhase ToolPhase { get; init; }

    /// <summary>The terminal event's attempt; absent for lifecycle and setup terminals.</summary>
    public string? TerminalAttemptId { get; init; }
}

/// <summary>The incident's facts: true when at least one event of that type exists in scope (spec §7.3).</summary>
public sealed record RunIncidentFacts
{
    /// <summary>Provider progress.</summary>
    public required bool ProviderProgressSeen { get; init; }

    /// <summary>Visible output.</summary>
    public required bool VisibleOutputSeen { get; init; }

    /// <summary>Text output.</summary>
    public required bool TextOutputStarted { get; init; }

    /// <summary>Reasoning output.</summary>
    public required bool ReasoningOutputStarted { get; init; }

    /// <summary>Tool input started.</summary>
    public required bool ToolInputStarted { get; init; }

    /// <summary>Tool input completed.</summary>
    public required bool ToolInputCompleted { get; init; }

    /// <summary>A tool call materialized.</summary>
    public required bool ToolCallMaterialized { get; init; }

    /// <summary>A tool started.</summary>
    public required bool ToolExecutionStarted { get; init; }

    /// <summary>A tool completed.</summary>
    public required bool ToolExecutionCompleted { get; init; }

    /// <summary>A read-only tool started.</summary>
    public required bool ReadOnlyToolStarted { get; init; }

    /// <summary>An unsafe tool started.</summary>
    public required bool UnsafeSideEffectStarted { get; init; }

    /// <summary>A lifecycle close was seen.</summary>
    public required bool LifecycleCloseSeen { get; init; }

    /// <summary>A user cancel was seen (never emitted).</summary>
    public required bool UserCancelSeen { get; init; }

    /// <summary>A watchdog fired (never emitted).</summary>
    public required bool WatchdogFired { get; init; }

    /// <summary>The run's unsafe effect kinds (empty in an attempt scope without an unsafe start).</summary>
    public required IReadOnlyList<ToolEffectKind> UnsafeSideEffectKinds { get; init; }

    /// <summary>Always the run-level flag.</summary>
    public required bool SideEffectFactsComplete { get; init; }

    /// <summary>Pending-part cleanups in scope; absent when none.</summary>
    public int? PendingToolPartsInterrupted { get; init; }

    /// <summary>The summarised materialized tool's effect kind (spec §7.8); absent without a boundary in scope.</summary>
    public ToolEffectKind? MaterializedToolEffectKind { get; init; }

    /// <summary>Whether that tool is unsafe or its effect incomplete; absent without a boundary in scope.</summary>
    public bool? MaterializedToolRequiresConfirmation { get; init; }
}

/// <summary>Provenance of the close (spec §7.10).</summary>
public sealed record RunIncidentProvenance
{
    /// <summary>The lifecycle action, when the first failure is a close with an id and a kind.</summary>
    public RunLifecycleProvenance? Lifecycle { get; init; }

    /// <summary><see cref="ProvenanceCompleteness.Partial"/> or <see cref="ProvenanceCompleteness.Unknown"/>.</summary>
    public required ProvenanceCompleteness Completeness { get; init; }
}

/// <summary>The lifecycle action in an incident's provenance.</summary>
public sealed record RunLifecycleProvenance
{
    /// <summary>The action's id.</summary>
    public required string ActionId { get; init; }

    /// <summary>The action's kind.</summary>
    public required LifecycleKind Kind { get; init; }

    /// <summary>A safe label of why.</summary>
    public string? Reason { get; init; }

    /// <summary>Always empty (declared).</summary>
    public required IReadOnlyList<string> AffectedDirectoryKeys { get; init; }

    /// <summary>Always <see cref="ProvenanceCompleteness.Partial"/>.</summary>
    public required ProvenanceCompleteness Completeness { get; init; }
}

/// <summary>The recovery advice (spec §7.7).</summary>
public sealed record RunRecovery
{
    /// <summary>Always <see cref="RecoverySafetyScope.VisibleOutputAndToolSideEffects"/>.</summary>
    public required RecoverySafetyScope SafetyScope { get; init; }

    /// <summary>The advice.</summary>
    public required RecoveryRecommendation Recommendation { get; init; }

    /// <summary>How sure.</summary>
    public required RunConfidence Confidence { get; init; }

    /// <summary>Why.</summary>
    public required RecoveryReason Reason { get; init; }

    /// <summary>For <see cref="RecoveryRecommendation.AutoRetryOnce"/>: at most one attempt after 1000 ms.</summary>
    public RunAutoRetry? AutoRetry { get; init; }
}

/// <summary>The automatic retry advised.</summary>
public sealed record RunAutoRetry
{
    /// <summary>How many retries.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The wait before it.</summary>
    public required int BackoffMs { get; init; }
}

/// <summary>Localisation keys (spec §7.11).</summary>
public sealed record RunIncidentUserSummary
{
    /// <summary><c>run_incident.</c> and the cause category.</summary>
    public required string TitleKey { get; init; }

    /// <summary>The title key, a dot and the subcategory (or <c>unknown</c>).</summary>
    public required string BodyKey { get; init; }

    /// <summary>The action's key, for recommendations that offer one.</summary>
    public string? ActionKey { get; init; }

    /// <summary>How serious.</summary>
    public required IncidentSeverity Severity { get; init; }
}

/// <summary>One evidence event as exported (spec §7.1): the internal cause is stripped.</summary>
public sealed record RunEvidenceEvent
{
    /// <summary><c>incident:</c>, the message id, <c>:evidence:</c> and the order (or <c>:evidence:omitted:</c> and the count).</summary>
    public required string EventId { get; init; }

    /// <summary>From 1, one per event; fractional only for the omission marker.</summary>
    public required double Order { get; init; }

    /// <summary>For the omission marker: how many events were left out.</summary>
    public int? OmittedEvents { get; init; }

    /// <summary>The monotonic time in milliseconds.</summary>
    public double? MonotonicMs { get; init; }

    /// <summary>Who reported it.</summary>
    public required EvidenceSource Source { get; init; }

    /// <summary>The attempt, for attempt-scoped events.</summary>
    public string? AttemptId { get; init; }

    /// <summary>What happened.</summary>
    public required EvidenceEventType EventType { get; init; }

    /// <summary>Whether it can be the terminal cause.</summary>
    public required bool TerminalCandidate { get; init; }

    /// <summary>How sure.</summary>
    public required RunConfidence Confidence { get; init; }

    /// <summary>The error fingerprint.</summary>
    public ErrorFingerprint? Error { get; init; }

    /// <summary>Markers of data that existed and was deliberately dropped (e.g. <c>raw_tool_input</c>).</summary>
    public IReadOnlyList<string>? Redactions { get; init; }

    /// <summary>The safe tool name (spec §6.3).</summary>
    public string? ToolName { get; init; }

    /// <summary>The tool's effect kind.</summary>
    public ToolEffectKind? ToolEffectKind { get; init; }

    /// <summary>Whether the tool's effect is unsafe.</summary>
    public bool? ToolEffectUnsafe { get; init; }

    /// <summary>Whether the tool's effect is fully known.</summary>
    public bool? ToolEffectComplete { get; init; }

    /// <summary>How far an interrupted tool call got.</summary>
    public InterruptionPhase? InterruptionPhase { get; init; }

    /// <summary>Whether the interrupted tool call had started executing.</summary>
    public bool? ToolExecutionStarted { get; init; }
}
