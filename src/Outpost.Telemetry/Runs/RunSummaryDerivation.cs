using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// Builds the run summary (run-observability-spec §4) with its classification, summary key and retry advice (§5):
/// a pure function of the recording and the finalize time, so finalize can run any number of times.
/// </summary>
internal static class RunSummaryDerivation
{
    public static RunObservability Build(RunRecording r, DateTimeOffset? completedAt, double monotonicMs)
    {
        var incident = RunIncidentDerivation.Derive(r, completedAt);
        var failure = r.Failure;
        var classification = incident is null ? LegacyClassification(failure) : Classify(incident.TerminalCause);
        return new RunObservability
        {
            SchemaVersion = RunObservability.CurrentSchemaVersion,
            RunId = r.RunId,
            TraceId = r.MessageId,
            SessionId = r.SessionId,
            MessageId = r.MessageId,
            ParentMessageId = r.ParentMessageId,
            Provider = r.Provider,
            Model = r.Model,
            CreatedAt = r.CreatedAt,
            CompletedAt = completedAt,
            Classification = classification,
            SummaryKey = WireName.Of(classification) + "." + (incident is null ? LegacySuffix(r, failure) : Suffix(r, incident.TerminalCause)),
            RetrySafety = RetrySafety(r, classification),
            Attempts = [.. r.Attempts.Select(static a => new RunAttempt
            {
                AttemptId = a.Id,
                AttemptIndex = a.Index,
                StartedAt = a.StartedAt,
                LastToolCompletedAt = a.LastToolCompletedAt,
                ProviderProgressSeen = a.ProviderProgressSeen,
                VisibleOutputSeen = a.VisibleOutputSeen,
                ToolCallSeen = a.ToolCallSeen,
                ToolInputStarted = a.ToolInputStarted,
                ToolInputCompleted = a.ToolInputCompleted,
                ToolCallMaterialized = a.ToolCallMaterialized,
                ToolExecutionStarted = a.ToolExecutionStarted,
                UnsafeSideEffectStarted = a.UnsafeSideEffectStarted,
            })],
            TerminalAttemptId = failure is { Kind: RunFailureKind.Transport or RunFailureKind.Tool }
                ? failure.AttemptId
                : r.Attempts.Count > 0 ? r.Attempts[^1].Id : null,
            ProviderProgressSeen = r.ProviderProgressSeen,
            VisibleOutputSeen = r.VisibleOutputSeen,
            ToolCallSeen = r.ToolCallSeen,
            ToolInputStarted = r.ToolInputStarted,
            ToolInputCompleted = r.ToolInputCompleted,
            ToolCallMaterialized = r.ToolCallMaterialized,
            ToolExecutionStarted = r.ToolExecutionStarted,
            ReadOnlyToolStarted = r.ReadOnlyToolStarted,
            UnsafeSideEffectStarted = r.UnsafeSideEffectStarted,
            UnsafeSideEffectKinds = [.. r.UnsafeSideEffectKinds],
            SideEffectFactsComplete = r.SideEffectFactsComplete,
            PendingToolPartsInterrupted = r.PendingToolPartsInterrupted > 0 ? r.PendingToolPartsInterrupted : null,
            Incident = incident,
            Lifecycle = failure is { Kind: RunFailureKind.ScopeClosed, Action: { } action }
                ? new RunLifecycle { ActionId = action.ActionId, Kind = action.Kind, Source = failure.Source, Reason = failure.Reason }
                : null,
            MissingProvenance = classification == RunClassification.UnknownScopeClose ? [RunIncidentDerivation.LifecycleCloseRequested] : null,
            DurationsMs = new RunDurations
            {
                Total = Math.Max(0, monotonicMs - r.MonotonicStartMs),
                LastEventToFailure = failure is null ? null : Math.Max(0, failure.MonotonicMs - FailureReference(r, failure)),
            },
            // §4: transport, setup and tool-failed failures carry their fingerprint; closes and interruptions none.
            Error = failure?.Error,
        };
    }

    /// <summary>§5.2 rule 1: the incident's terminal cause decides.</summary>
    public static RunClassification Classify(RunTerminalCause cause) => cause.Category switch
    {
        RunCauseCategory.ProviderTransportDisconnect => RunClassification.ExternalStreamDisconnect,
        RunCauseCategory.LocalLifecycleClose => WireName<LifecycleKind>.TryParse(cause.Subcategory, out var kind)
            ? Classify(kind)
            : RunClassification.UnknownScopeClose,
        RunCauseCategory.RequestSetupFailure => RunClassification.RequestSetupFailure,
        RunCauseCategory.ToolExecutionFailure or RunCauseCategory.ToolExecutionInterrupted => RunClassification.ToolFailure,
        _ => RunClassification.UnknownFailure,
    };

    /// <summary>
    /// Outpost's lifecycle kinds against §5.2's instance kinds: a reinitialisation is the spec's reload, a workspace
    /// stop and an agent shutdown its disposes; a task stop is a known close (reachable here, unlike the baseline).
    /// </summary>
    public static RunClassification Classify(LifecycleKind kind) => kind switch
    {
        LifecycleKind.AgentReinitialize => RunClassification.LocalInstanceReload,
        LifecycleKind.WorkspaceStop or LifecycleKind.AgentShutdown => RunClassification.LocalInstanceDispose,
        _ => RunClassification.KnownLifecycleClose,
    };

    /// <summary>§5.2 rule 2: the legacy classification of the first failure.</summary>
    public static RunClassification LegacyClassification(RunFailure? failure) => failure switch
    {
        null => RunClassification.Success,
        { Kind: RunFailureKind.Setup } => RunClassification.RequestSetupFailure,
        { Kind: RunFailureKind.Tool } => RunClassification.ToolFailure,
        { Kind: RunFailureKind.ScopeClosed, Action: { } action } => Classify(action.Kind),
        { Kind: RunFailureKind.ScopeClosed } => RunClassification.UnknownScopeClose,
        _ => RunClassification.ExternalStreamDisconnect,
    };

    /// <summary>§5.3 with an incident.</summary>
    private static string Suffix(RunRecording r, RunTerminalCause cause) => cause.Category switch
    {
        RunCauseCategory.ProviderTransportDisconnect when !r.ProviderProgressSeen => "transport_failure",
        RunCauseCategory.ProviderTransportDisconnect when cause.Subcategory == WireName.Of(TransportSubcategory.DuringToolInputGeneration) =>
            "provider_progress_tool_input_disconnect",
        RunCauseCategory.ProviderTransportDisconnect when cause.Boundary == TransportBoundary.SdkTransport && TransportCauseCodes.IsSocketClosed(cause.Error?.CauseCode) =>
            "provider_progress_socket_closed",
        RunCauseCategory.ProviderTransportDisconnect => "transport_failure",
        RunCauseCategory.LocalLifecycleClose when cause.Subcategory == RunRecording.UnknownLifecycleClose => "missing_lifecycle_provenance",
        RunCauseCategory.LocalLifecycleClose => "lifecycle_close",
        RunCauseCategory.RequestSetupFailure => "request_setup_failed",
        RunCauseCategory.ToolExecutionFailure or RunCauseCategory.ToolExecutionInterrupted => "tool_execution_failed",
        _ => "unknown",
    };

    /// <summary>§5.3 without an incident (in practice only <c>completed</c>: every failure appends a terminal candidate).</summary>
    private static string LegacySuffix(RunRecording r, RunFailure? failure) => failure switch
    {
        null => "completed",
        { Kind: RunFailureKind.Transport } when r.ProviderProgressSeen && TransportCauseCodes.IsSocketClosed(failure.Error?.CauseCode) => "provider_progress_socket_closed",
        { Kind: RunFailureKind.Transport } when r.ProviderProgressSeen => "provider_progress_transport_failure",
        { Kind: RunFailureKind.Transport } => "transport_failure",
        { Kind: RunFailureKind.ScopeClosed, Action: not null } => "lifecycle_close",
        { Kind: RunFailureKind.ScopeClosed } => "missing_lifecycle_provenance",
        { Kind: RunFailureKind.Setup } => "request_setup_failed",
        _ => "tool_execution_failed",
    };

    /// <summary>
    /// §5.4, run-level facts, first match wins. §11.1 decided conservatively: the local instance closes
    /// (<c>local_instance_reload</c>, <c>local_instance_dispose</c>) join rule 6 instead of falling to unknown.
    /// </summary>
    private static RetrySafety RetrySafety(RunRecording r, RunClassification classification)
    {
        var (recommendation, confidence, reason) = classification switch
        {
            RunClassification.Success => (RetryRecommendation.Unknown, RunConfidence.High, RetrySafetyReason.CompletedWithoutFailure),
            // §11.7: reasoning counts as visible output (the baseline's, conservative).
            _ when r.VisibleOutputSeen => (RetryRecommendation.DoNotAutoRetry, RunConfidence.High, RetrySafetyReason.VisibleOutputSeen),
            _ when r.UnsafeSideEffectStarted => (RetryRecommendation.DoNotAutoRetry, RunConfidence.High, RetrySafetyReason.UnsafeSideEffectStarted),
            _ when r.ToolExecutionStarted => (RetryRecommendation.AskUser, RunConfidence.Medium, RetrySafetyReason.ToolExecutionStarted),
            // §11.2: rule 5 ignores materialized tools; the incident's recovery is the authoritative advice.
            RunClassification.ExternalStreamDisconnect => (RetryRecommendation.CandidateSafeAutoRetry, RunConfidence.Medium, RetrySafetyReason.NoVisibleOutputOrToolExecution),
            RunClassification.KnownLifecycleClose or RunClassification.UnknownScopeClose
                or RunClassification.LocalInstanceReload or RunClassification.LocalInstanceDispose =>
                (RetryRecommendation.DoNotAutoRetry, RunConfidence.Medium, RetrySafetyReason.LocalAbortOrLifecycleClose),
            _ => (RetryRecommendation.Unknown, RunConfidence.Low, RetrySafetyReason.Unknown),
        };
        return new RetrySafety
        {
            SafetyScope = RetrySafetyScope.UserVisibleAndToolSideEffects,
            Recommendation = recommendation,
            Confidence = confidence,
            Reason = reason,
        };
    }

    /// <summary>
    /// §4 last_event_to_failure's reference: the latest per-attempt progress at or before the failure, else the
    /// run-level last event (which includes the failure itself and the start).
    /// </summary>
    private static double FailureReference(RunRecording r, RunFailure failure)
    {
        var best = r.Attempts.Where(a => a.LastMs <= failure.MonotonicMs).Select(static a => (double?)a.LastMs).Max();
        return best ?? r.LastEventMs;
    }
}
