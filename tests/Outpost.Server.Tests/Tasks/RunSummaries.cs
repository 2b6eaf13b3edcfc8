using Outpost.Sdk.Tasks;

namespace Outpost.Server.Tests.Tasks;

/// <summary>Schema-1 run summaries for server tests, with the facts a test names and the rest at their defaults (the recorder's own tests derive real ones).</summary>
internal static class RunSummaries
{
    public static RunObservability Of(RunClassification classification, RunIncident? incident = null, string messageId = "msg_1") => new()
    {
        SchemaVersion = RunObservability.CurrentSchemaVersion,
        RunId = "run:" + messageId,
        TraceId = messageId,
        SessionId = "task",
        MessageId = messageId,
        Provider = "openai_compatible",
        Model = "fake-model",
        CreatedAt = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero),
        CompletedAt = new DateTimeOffset(2026, 12, 3, 10, 0, 2, 500, TimeSpan.Zero),
        Classification = classification,
        SummaryKey = "x",
        RetrySafety = new RetrySafety
        {
            SafetyScope = RetrySafetyScope.UserVisibleAndToolSideEffects,
            Recommendation = RetryRecommendation.Unknown,
            Confidence = RunConfidence.High,
            Reason = RetrySafetyReason.CompletedWithoutFailure,
        },
        Attempts = [new RunAttempt
        {
            AttemptId = $"run:{messageId}:attempt:1", AttemptIndex = 1, StartedAt = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero),
            ProviderProgressSeen = true, VisibleOutputSeen = true, ToolCallSeen = false, ToolInputStarted = false, ToolInputCompleted = false,
            ToolCallMaterialized = false, ToolExecutionStarted = false, UnsafeSideEffectStarted = false,
        }],
        ProviderProgressSeen = true,
        VisibleOutputSeen = true,
        ToolCallSeen = false,
        ToolInputStarted = false,
        ToolInputCompleted = false,
        ToolCallMaterialized = false,
        ToolExecutionStarted = false,
        ReadOnlyToolStarted = false,
        UnsafeSideEffectStarted = false,
        UnsafeSideEffectKinds = [],
        SideEffectFactsComplete = true,
        Incident = incident,
        DurationsMs = new RunDurations { Total = 2500 },
    };

    public static RunIncident Incident(RunCauseCategory cause, string? subcategory, RunPhase phase, RecoveryRecommendation recovery, RecoveryReason reason, string messageId = "msg_1") => new()
    {
        SchemaVersion = RunIncident.CurrentSchemaVersion,
        IncidentId = "incident:" + messageId,
        RunId = "run:" + messageId,
        TraceId = messageId,
        SessionId = "task",
        MessageId = messageId,
        CreatedAt = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero),
        TerminalCause = new RunTerminalCause { Category = cause, Subcategory = subcategory, Confidence = RunConfidence.High },
        Phase = new RunIncidentPhase { RunPhase = phase, StreamPhase = StreamPhase.TextGeneration, ToolPhase = ToolPhase.None },
        Facts = new RunIncidentFacts
        {
            ProviderProgressSeen = true, VisibleOutputSeen = true, TextOutputStarted = true, ReasoningOutputStarted = false, ToolInputStarted = false,
            ToolInputCompleted = false, ToolCallMaterialized = false, ToolExecutionStarted = false, ToolExecutionCompleted = false, ReadOnlyToolStarted = false,
            UnsafeSideEffectStarted = false, LifecycleCloseSeen = false, UserCancelSeen = false, WatchdogFired = false, UnsafeSideEffectKinds = [], SideEffectFactsComplete = true,
        },
        Provenance = new RunIncidentProvenance { Completeness = ProvenanceCompleteness.Unknown },
        Recovery = new RunRecovery { SafetyScope = RecoverySafetyScope.VisibleOutputAndToolSideEffects, Recommendation = recovery, Confidence = RunConfidence.High, Reason = reason },
        Evidence = [new RunEvidenceEvent
        {
            EventId = $"incident:{messageId}:evidence:1", Order = 1, MonotonicMs = 10, Source = EvidenceSource.ProviderStream,
            AttemptId = $"run:{messageId}:attempt:1", EventType = EvidenceEventType.ProviderTransportFailure, TerminalCandidate = true, Confidence = RunConfidence.High,
        }],
        UserSummary = new RunIncidentUserSummary { TitleKey = "run_incident.x", BodyKey = "run_incident.x.y", Severity = IncidentSeverity.Warning },
        PlainSummary = "The run ended before Outpost could complete the assistant response.",
        DiagnosticsComplete = true,
    };
}
