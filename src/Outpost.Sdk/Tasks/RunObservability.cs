namespace Outpost.Sdk.Tasks;

/// <summary>
/// What happened in one run (one assistant turn of a task's agent loop): safe, low-cardinality facts,
/// a classification, retry advice and, when the run failed, its incident (run-observability-spec §4,
/// <c>run_observability</c> schema_version 1). Stored with the assistant message under
/// <c>diagnostics.run_observability</c>. Never carries prompt text, model output, tool arguments or output, or paths.
/// </summary>
public sealed record RunObservability
{
    /// <summary>The schema version this record follows.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Always <see cref="CurrentSchemaVersion"/>.</summary>
    public required int SchemaVersion { get; init; }

    /// <summary><c>run:</c> and the assistant message's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The assistant message's id.</summary>
    public required string TraceId { get; init; }

    /// <summary>The conversation (for a task: the task's id).</summary>
    public required string SessionId { get; init; }

    /// <summary>The assistant message's id.</summary>
    public required string MessageId { get; init; }

    /// <summary>The user message the run answers, when known.</summary>
    public string? ParentMessageId { get; init; }

    /// <summary>The provider (a safe name, e.g. <c>openai</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The model (a safe name).</summary>
    public required string Model { get; init; }

    /// <summary>When the assistant message was created (wall clock).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The finalize time, when given.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>How the run ended (spec §5.2).</summary>
    public required RunClassification Classification { get; init; }

    /// <summary>The classification, a dot and a suffix, e.g. <c>external_stream_disconnect.transport_failure</c> (spec §5.3).</summary>
    public required string SummaryKey { get; init; }

    /// <summary>The summary-level retry advice (spec §5.4); the incident's <see cref="RunIncident.Recovery"/> is the authoritative one.</summary>
    public required RetrySafety RetrySafety { get; init; }

    /// <summary>The attempts (provider stream requests), in the order they began.</summary>
    public required IReadOnlyList<RunAttempt> Attempts { get; init; }

    /// <summary>The first failure's attempt (transport or tool), else the last attempt begun; absent without attempts.</summary>
    public string? TerminalAttemptId { get; init; }

    /// <summary>The provider sent progress (any attempt).</summary>
    public required bool ProviderProgressSeen { get; init; }

    /// <summary>Text or reasoning was produced (any attempt).</summary>
    public required bool VisibleOutputSeen { get; init; }

    /// <summary>A tool call materialized (any attempt).</summary>
    public required bool ToolCallSeen { get; init; }

    /// <summary>A tool call's input began streaming.</summary>
    public required bool ToolInputStarted { get; init; }

    /// <summary>A tool call's input was complete.</summary>
    public required bool ToolInputCompleted { get; init; }

    /// <summary>A tool call materialized.</summary>
    public required bool ToolCallMaterialized { get; init; }

    /// <summary>A tool started executing.</summary>
    public required bool ToolExecutionStarted { get; init; }

    /// <summary>A read-only tool started.</summary>
    public required bool ReadOnlyToolStarted { get; init; }

    /// <summary>An unsafe tool started.</summary>
    public required bool UnsafeSideEffectStarted { get; init; }

    /// <summary>The effect kinds of the unsafe tools that started, first seen first, without duplicates.</summary>
    public required IReadOnlyList<ToolEffectKind> UnsafeSideEffectKinds { get; init; }

    /// <summary>False once an unknown effect or a provider-executed tool was seen.</summary>
    public required bool SideEffectFactsComplete { get; init; }

    /// <summary>How many tool calls that never executed were cleaned up; absent when none.</summary>
    public int? PendingToolPartsInterrupted { get; init; }

    /// <summary>The run incident (spec §7); absent when nothing terminal was recorded.</summary>
    public RunIncident? Incident { get; init; }

    /// <summary>The lifecycle action that closed the run, when the first failure is a close with an id and a kind.</summary>
    public RunLifecycle? Lifecycle { get; init; }

    /// <summary>Exactly <c>["lifecycle.close_requested"]</c> when the classification is <see cref="RunClassification.UnknownScopeClose"/>.</summary>
    public IReadOnlyList<string>? MissingProvenance { get; init; }

    /// <summary>Durations, in milliseconds of the monotonic clock.</summary>
    public required RunDurations DurationsMs { get; init; }

    /// <summary>The first failure's error fingerprint (transport, setup and tool failures; <c>{}</c> for a tool failure without an error).</summary>
    public ErrorFingerprint? Error { get; init; }

    /// <summary>
    /// The recorder's own faults during the run, each logged and swallowed (omitted when none). An Outpost addition to
    /// spec §4: the server counts them (<c>outpost_task_run_internal_errors_total</c>), as agents have no metrics of their own.
    /// </summary>
    public int? InternalErrors { get; init; }
}

/// <summary>One attempt: one provider stream request of the run (spec §4).</summary>
public sealed record RunAttempt
{
    /// <summary>The run id, <c>:attempt:</c> and the index.</summary>
    public required string AttemptId { get; init; }

    /// <summary>1-based.</summary>
    public required int AttemptIndex { get; init; }

    /// <summary>When it began (wall clock).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When a tool last completed in it; absent if none did.</summary>
    public DateTimeOffset? LastToolCompletedAt { get; init; }

    /// <summary>The provider sent progress.</summary>
    public required bool ProviderProgressSeen { get; init; }

    /// <summary>Text or reasoning was produced.</summary>
    public required bool VisibleOutputSeen { get; init; }

    /// <summary>A tool call materialized.</summary>
    public required bool ToolCallSeen { get; init; }

    /// <summary>A tool call's input began streaming.</summary>
    public required bool ToolInputStarted { get; init; }

    /// <summary>A tool call's input was complete.</summary>
    public required bool ToolInputCompleted { get; init; }

    /// <summary>A tool call materialized.</summary>
    public required bool ToolCallMaterialized { get; init; }

    /// <summary>A tool started executing.</summary>
    public required bool ToolExecutionStarted { get; init; }

    /// <summary>An unsafe tool started.</summary>
    public required bool UnsafeSideEffectStarted { get; init; }
}

/// <summary>The summary-level retry advice (spec §5.4).</summary>
public sealed record RetrySafety
{
    /// <summary>Always <see cref="RetrySafetyScope.UserVisibleAndToolSideEffects"/>.</summary>
    public required RetrySafetyScope SafetyScope { get; init; }

    /// <summary>The advice.</summary>
    public required RetryRecommendation Recommendation { get; init; }

    /// <summary>How sure.</summary>
    public required RunConfidence Confidence { get; init; }

    /// <summary>Why.</summary>
    public required RetrySafetyReason Reason { get; init; }
}

/// <summary>The lifecycle action that closed the run (spec §4, §9).</summary>
public sealed record RunLifecycle
{
    /// <summary>The action's id (<c>lifecycle:</c>, the kind, and unique parts).</summary>
    public required string ActionId { get; init; }

    /// <summary>The action's kind.</summary>
    public required LifecycleKind Kind { get; init; }

    /// <summary>A safe label of the code that recorded the close.</summary>
    public string? Source { get; init; }

    /// <summary>A safe label of why.</summary>
    public string? Reason { get; init; }
}

/// <summary>Durations in monotonic milliseconds, never negative (spec §4).</summary>
public sealed record RunDurations
{
    /// <summary>From the recorder's creation to finalize.</summary>
    public required double Total { get; init; }

    /// <summary>From the failing attempt's last progress to the first failure; absent without a failure.</summary>
    public double? LastEventToFailure { get; init; }
}

/// <summary>
/// The safe fingerprint of an error (spec §6.2): low-cardinality names and codes and a bucketed message;
/// fields that come out empty are absent. Never a raw message, stack, body or header.
/// </summary>
public sealed record ErrorFingerprint
{
    /// <summary>The error's type name, when low-cardinality.</summary>
    public string? Name { get; init; }

    /// <summary>The error's stable code, when low-cardinality.</summary>
    public string? Code { get; init; }

    /// <summary>The message's bucket (<c>terminated</c>, <c>socket closed</c>, <c>timeout</c>, …, <c>redacted</c>).</summary>
    public string? Message { get; init; }

    /// <summary>The inner error's type name.</summary>
    public string? CauseName { get; init; }

    /// <summary>The inner error's stable code (a transport cause code such as <c>connection_reset</c>).</summary>
    public string? CauseCode { get; init; }

    /// <summary>The inner error's message bucket.</summary>
    public string? CauseMessage { get; init; }
}
