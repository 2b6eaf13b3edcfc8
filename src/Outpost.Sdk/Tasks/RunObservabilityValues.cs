namespace Outpost.Sdk.Tasks;

// The closed value sets of run observability (run-observability-spec §4, §5, §7). Each crosses the
// wire as its snake_case WireName; the names below are the spec's, letter for letter.

/// <summary>How a run ended, for people and metrics (spec §5.1, plus Outpost's lifecycle kinds, docs/tasks.md "Run diagnostics").</summary>
public enum RunClassification
{
    /// <summary>No failure was recorded.</summary>
    Success,

    /// <summary>The provider's stream failed (a reset, an early end, a refused request that escaped the retries).</summary>
    ExternalStreamDisconnect,

    /// <summary>Closed by an agent reinitialisation (the counterpart of the spec's instance reload).</summary>
    LocalInstanceReload,

    /// <summary>Closed by a workspace stop or the agent shutting down (the counterpart of the spec's instance dispose).</summary>
    LocalInstanceDispose,

    /// <summary>Closed by a known lifecycle action of another kind (a task <c>stop</c>).</summary>
    KnownLifecycleClose,

    /// <summary>Closed without a known lifecycle action (no provenance).</summary>
    UnknownScopeClose,

    /// <summary>Building the provider request failed.</summary>
    RequestSetupFailure,

    /// <summary>A tool failed or was interrupted after it started executing.</summary>
    ToolFailure,

    /// <summary>Anything else.</summary>
    UnknownFailure,
}

/// <summary>How sure a derivation is.</summary>
public enum RunConfidence
{
    /// <summary>Low.</summary>
    Low,

    /// <summary>Medium.</summary>
    Medium,

    /// <summary>High.</summary>
    High,
}

/// <summary>The scope of the summary-level retry advice (always the one value, spec §5.4).</summary>
public enum RetrySafetyScope
{
    /// <summary><c>user_visible_and_tool_side_effects</c>.</summary>
    UserVisibleAndToolSideEffects,
}

/// <summary>The summary-level (legacy) retry advice (spec §5.4).</summary>
public enum RetryRecommendation
{
    /// <summary>Nothing to advise (success, or not enough facts).</summary>
    Unknown,

    /// <summary>Retrying could repeat something the user saw or a side effect.</summary>
    DoNotAutoRetry,

    /// <summary>Nothing visible happened and no tool ran: a retry is probably safe.</summary>
    CandidateSafeAutoRetry,

    /// <summary>A tool ran: ask the user first.</summary>
    AskUser,
}

/// <summary>Why the summary-level retry advice is what it is (spec §5.4, one per rule).</summary>
public enum RetrySafetyReason
{
    /// <summary>Rule 1.</summary>
    CompletedWithoutFailure,

    /// <summary>Rule 2.</summary>
    VisibleOutputSeen,

    /// <summary>Rule 3.</summary>
    UnsafeSideEffectStarted,

    /// <summary>Rule 4.</summary>
    ToolExecutionStarted,

    /// <summary>Rule 5.</summary>
    NoVisibleOutputOrToolExecution,

    /// <summary>Rule 6 (and, in Outpost, the local instance closes: spec §11.1).</summary>
    LocalAbortOrLifecycleClose,

    /// <summary>Rule 7.</summary>
    Unknown,
}

/// <summary>What a tool does to the world (spec §6.4).</summary>
public enum ToolEffectKind
{
    /// <summary>Reads only.</summary>
    ReadOnly,

    /// <summary>Writes files in the workspace.</summary>
    LocalFileWrite,

    /// <summary>Runs a process.</summary>
    LocalProcess,

    /// <summary>Not declared: treated as unsafe and makes the side-effect facts incomplete.</summary>
    Unknown,
}

/// <summary>
/// The lifecycle action that closed a run (spec §9, Outpost's kinds): each is created with an id by
/// whoever initiated the close, and the run records it so the close is never an unknown one.
/// </summary>
public enum LifecycleKind
{
    /// <summary>The user stopped the task's current run (<c>outpost tasks stop</c>, <c>POST …/stop</c>).</summary>
    TaskStop,

    /// <summary>The workspace is being stopped or deleted.</summary>
    WorkspaceStop,

    /// <summary>The agent process is shutting down.</summary>
    AgentShutdown,

    /// <summary>The agent is reinitialising (a prebuild claimed, for example).</summary>
    AgentReinitialize,
}

/// <summary>The terminal cause's category (spec §7.4).</summary>
public enum RunCauseCategory
{
    /// <summary>The provider's stream failed.</summary>
    ProviderTransportDisconnect,

    /// <summary>A local lifecycle action (or an unknown close) ended the run.</summary>
    LocalLifecycleClose,

    /// <summary>The user cancelled (declared; Outpost records a task stop as a lifecycle close).</summary>
    UserCancel,

    /// <summary>A watchdog fired (declared, never produced).</summary>
    WatchdogTimeout,

    /// <summary>Building the request failed.</summary>
    RequestSetupFailure,

    /// <summary>A tool failed after it started.</summary>
    ToolExecutionFailure,

    /// <summary>A tool was interrupted after it started.</summary>
    ToolExecutionInterrupted,

    /// <summary>A crash or restart left the run incomplete (declared, never produced).</summary>
    CrashOrRestartIncomplete,

    /// <summary>An interruption of unknown origin (declared, never produced).</summary>
    UnknownInterruption,
}

/// <summary>Where a transport failure happened (spec §7.4).</summary>
public enum TransportBoundary
{
    /// <summary>The HTTP client's transport closed under us (a reset or an early end: Outpost's counterpart of UND_ERR_SOCKET).</summary>
    SdkTransport,

    /// <summary>The provider (declared).</summary>
    Provider,

    /// <summary>The network (declared).</summary>
    Network,

    /// <summary>Not known.</summary>
    Unknown,
}

/// <summary>The subcategory of a transport disconnect: how far the attempt got (spec §7.5).</summary>
public enum TransportSubcategory
{
    /// <summary>Rule 1: tool input started, not completed, nothing materialized.</summary>
    DuringToolInputGeneration,

    /// <summary>Rule 2: tool input completed, nothing materialized.</summary>
    UnknownStreamPhase,

    /// <summary>Rule 3: a tool call materialized.</summary>
    AfterToolCallBeforeExecution,

    /// <summary>Rule 4: provider progress seen.</summary>
    DuringTextGeneration,

    /// <summary>Rule 5: nothing seen yet.</summary>
    BeforeFirstProviderProgress,

    /// <summary>Declared, never produced.</summary>
    AfterToolResult,
}

/// <summary>The subcategory of a watchdog timeout (declared, never produced).</summary>
public enum WatchdogSubcategory
{
    /// <summary>Connecting.</summary>
    Connect,

    /// <summary>A silent stream.</summary>
    SilentStream,

    /// <summary>Not known.</summary>
    Unknown,
}

/// <summary>The run's phase at its terminal event (spec §7.6).</summary>
public enum RunPhase
{
    /// <summary>Declared.</summary>
    BeforeProviderStream,

    /// <summary>Provider progress or visible output.</summary>
    Streaming,

    /// <summary>The model was producing a tool call.</summary>
    ToolGeneration,

    /// <summary>A tool was executing.</summary>
    ToolExecution,

    /// <summary>Declared.</summary>
    PostTool,

    /// <summary>Declared.</summary>
    Finalizing,

    /// <summary>Nothing seen.</summary>
    Unknown,
}

/// <summary>The stream's phase at the terminal event (spec §7.6).</summary>
public enum StreamPhase
{
    /// <summary>Declared.</summary>
    BeforeFirstEvent,

    /// <summary>No provider progress.</summary>
    BeforeFirstProviderProgress,

    /// <summary>Text (or progress without anything more specific).</summary>
    TextGeneration,

    /// <summary>Reasoning without text.</summary>
    ReasoningGeneration,

    /// <summary>A tool call's input was streaming.</summary>
    ToolInputGeneration,

    /// <summary>A tool call's input was complete.</summary>
    AfterToolInputEnd,

    /// <summary>A tool call materialized.</summary>
    AfterToolCall,

    /// <summary>Declared.</summary>
    Completed,

    /// <summary>Declared.</summary>
    Unknown,
}

/// <summary>The tool's phase at the terminal event (spec §7.6).</summary>
public enum ToolPhase
{
    /// <summary>No tool activity.</summary>
    None,

    /// <summary>Tool input started.</summary>
    ToolInputStarted,

    /// <summary>Tool input completed.</summary>
    ToolInputCompleted,

    /// <summary>A tool call materialized.</summary>
    ToolCallMaterialized,

    /// <summary>A tool started executing.</summary>
    ToolExecutionStarted,

    /// <summary>Declared.</summary>
    ToolExecutionCompleted,

    /// <summary>Declared.</summary>
    Unknown,
}

/// <summary>Who reported an evidence event (spec §7.1).</summary>
public enum EvidenceSource
{
    /// <summary>The provider's stream.</summary>
    ProviderStream,

    /// <summary>The agent loop.</summary>
    Processor,

    /// <summary>The tool runner.</summary>
    ToolRunner,

    /// <summary>A lifecycle close.</summary>
    Lifecycle,

    /// <summary>Declared.</summary>
    Watchdog,

    /// <summary>Declared.</summary>
    UserAction,

    /// <summary>Declared.</summary>
    Recovery,

    /// <summary>Declared.</summary>
    Unknown,
}

/// <summary>What an evidence event says happened (spec §3, §6.6, §7.1).</summary>
public enum EvidenceEventType
{
    /// <summary>An attempt (a provider stream request) began.</summary>
    AttemptStarted,

    /// <summary>The provider sent progress.</summary>
    ProviderProgressSeen,

    /// <summary>Reasoning output started (one per visible-output call).</summary>
    ReasoningOutputStarted,

    /// <summary>Text output started (one per visible-output call).</summary>
    TextOutputStarted,

    /// <summary>Something visible was produced.</summary>
    VisibleOutputSeen,

    /// <summary>A tool call's input began streaming.</summary>
    ToolInputStarted,

    /// <summary>The provider executes the tool itself: side-effect facts are incomplete.</summary>
    ProviderExecutedToolBoundary,

    /// <summary>A tool call's input was complete.</summary>
    ToolInputCompleted,

    /// <summary>A tool call materialized (carries the safe tool name and effect).</summary>
    ToolCallMaterialized,

    /// <summary>A tool started executing.</summary>
    ToolExecutionStarted,

    /// <summary>A read-only tool started.</summary>
    ReadOnlyToolStarted,

    /// <summary>An unsafe tool started.</summary>
    UnsafeSideEffectStarted,

    /// <summary>A tool completed.</summary>
    ToolExecutionCompleted,

    /// <summary>A tool failed (terminal).</summary>
    ToolExecutionFailure,

    /// <summary>A tool call that never executed was cleaned up (never terminal).</summary>
    PendingToolPartInterrupted,

    /// <summary>An executing tool was interrupted (terminal).</summary>
    ToolExecutionInterrupted,

    /// <summary>The provider's stream failed (terminal).</summary>
    ProviderTransportFailure,

    /// <summary>Building the request failed (terminal).</summary>
    RequestSetupFailure,

    /// <summary>The run was closed (terminal).</summary>
    LifecycleCloseSeen,

    /// <summary>Declared, never emitted.</summary>
    UserCancelSeen,

    /// <summary>Declared, never emitted.</summary>
    WatchdogFired,

    /// <summary>The bounding marker: some events were left out (spec §6.6).</summary>
    EvidenceOmitted,
}

/// <summary>How far a tool call got when it was interrupted (spec §7.1, §8.7).</summary>
public enum InterruptionPhase
{
    /// <summary>Its input was still streaming.</summary>
    ToolInputGeneration,

    /// <summary>It materialized but never executed.</summary>
    ToolCallMaterializedWithoutExecution,

    /// <summary>It was executing.</summary>
    ToolExecution,
}

/// <summary>The scope of the incident's recovery advice (always the one value, spec §7.7).</summary>
public enum RecoverySafetyScope
{
    /// <summary><c>visible_output_and_tool_side_effects</c>.</summary>
    VisibleOutputAndToolSideEffects,
}

/// <summary>The incident's recovery advice (spec §7.7).</summary>
public enum RecoveryRecommendation
{
    /// <summary>Retry once, automatically.</summary>
    AutoRetryOnce,

    /// <summary>Offer the user to continue.</summary>
    OfferContinue,

    /// <summary>Declared.</summary>
    OfferResumeWithConfirmation,

    /// <summary>Ask the user before retrying.</summary>
    AskUserBeforeRetry,

    /// <summary>Do not retry.</summary>
    DoNotRetry,

    /// <summary>Not enough facts.</summary>
    Unknown,
}

/// <summary>Why the recovery advice is what it is (spec §7.7).</summary>
public enum RecoveryReason
{
    /// <summary>Rule 1.</summary>
    UserCancel,

    /// <summary>Rule 2.</summary>
    LocalLifecycleClose,

    /// <summary>Rules 3 and 6a.</summary>
    SideEffectFactsIncomplete,

    /// <summary>Rule 4.</summary>
    UnsafeSideEffectStarted,

    /// <summary>Rule 5.</summary>
    ToolExecutionStarted,

    /// <summary>Rules 6b and 6c.</summary>
    ToolCallMaterializedWithoutExecution,

    /// <summary>Rule 7.</summary>
    PartialToolInputWithoutExecution,

    /// <summary>Rule 8.</summary>
    VisibleOutputWithoutToolExecution,

    /// <summary>Rule 9.</summary>
    NoVisibleOutputOrToolExecution,

    /// <summary>Declared.</summary>
    ReadOnlyToolCompleted,

    /// <summary>Rule 10.</summary>
    Unknown,
}

/// <summary>How serious the incident is for a person (spec §7.11).</summary>
public enum IncidentSeverity
{
    /// <summary>Informational.</summary>
    Info,

    /// <summary>A warning.</summary>
    Warning,

    /// <summary>An error.</summary>
    Error,
}

/// <summary>How complete the incident's provenance is (spec §7.10; never complete at the baseline).</summary>
public enum ProvenanceCompleteness
{
    /// <summary>Complete.</summary>
    Complete,

    /// <summary>Partial.</summary>
    Partial,

    /// <summary>Unknown.</summary>
    Unknown,
}
