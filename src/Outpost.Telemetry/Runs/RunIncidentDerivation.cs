using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// Derives the run incident from the ordered evidence (run-observability-spec §7): a pure function of the recording.
/// </summary>
internal static class RunIncidentDerivation
{
    /// <summary>§7.10 list 1: the close nobody claimed.</summary>
    public const string LifecycleCloseRequested = "lifecycle.close_requested";

    private const string Product = "Outpost";

    /// <summary>The incident, or null when no terminal candidate with a cause was recorded.</summary>
    public static RunIncident? Derive(RunRecording r, DateTimeOffset? completedAt)
    {
        var terminal = SelectTerminal(r.Evidence);
        if (terminal?.Cause is not { } cause)
        {
            return null;
        }

        var facts = Facts(r, attemptScope: null);
        // §7.3: an attempt-scoped terminal narrows the facts to its attempt; a lifecycle or setup terminal has none.
        var terminalFacts = terminal.AttemptId is null ? facts : Facts(r, terminal.AttemptId);
        var recovery = Recovery(cause, facts, terminalFacts);
        var lifecycle = r.Failure is { Kind: RunFailureKind.ScopeClosed, Action: { } action }
            ? new RunLifecycleProvenance
            {
                ActionId = action.ActionId,
                Kind = action.Kind,
                Reason = r.Failure.Reason,
                AffectedDirectoryKeys = [],
                Completeness = ProvenanceCompleteness.Partial,
            }
            : null;
        var missing = MissingProvenance(r, facts);
        return new RunIncident
        {
            SchemaVersion = RunIncident.CurrentSchemaVersion,
            IncidentId = r.IncidentId,
            RunId = r.RunId,
            TraceId = r.MessageId,
            SessionId = r.SessionId,
            MessageId = r.MessageId,
            ParentMessageId = r.ParentMessageId,
            CreatedAt = r.CreatedAt,
            CompletedAt = completedAt,
            TerminalCause = cause,
            Phase = Phase(terminalFacts, terminal.AttemptId),
            Facts = facts,
            Provenance = new RunIncidentProvenance
            {
                Lifecycle = lifecycle,
                Completeness = missing.Count > 0 || lifecycle is not null ? ProvenanceCompleteness.Partial : ProvenanceCompleteness.Unknown,
            },
            Recovery = recovery,
            Evidence = RunEvidenceBounding.Bound(r.Evidence, static e => e.Shape, e => e.ToWire(r.IncidentId), r.IncidentId),
            UserSummary = UserSummary(cause, recovery),
            PlainSummary = PlainSummary(cause, facts),
            MissingProvenance = missing.Count > 0 ? missing : null,
            DiagnosticsComplete = missing.Count == 0,
        };
    }

    /// <summary>§7.2: terminal candidates with a cause, earliest monotonic time first, ties by order.</summary>
    public static RecordedEvidence? SelectTerminal(IReadOnlyList<RecordedEvidence> evidence) =>
        evidence
            .Where(static e => e.TerminalCandidate && e.Cause is not null)
            .OrderBy(static e => e.MonotonicMs)
            .ThenBy(static e => e.Order)
            .FirstOrDefault();

    /// <summary>§7.3 facts of the run (<paramref name="attemptScope"/> null) or of one attempt.</summary>
    public static RunIncidentFacts Facts(RunRecording r, string? attemptScope)
    {
        var scope = attemptScope is null
            ? r.Evidence
            : [.. r.Evidence.Where(e => string.Equals(e.AttemptId, attemptScope, StringComparison.Ordinal))];
        var seen = scope.Select(static e => e.EventType).ToHashSet();
        var pending = scope.Count(static e => e.EventType == EvidenceEventType.PendingToolPartInterrupted);
        var boundary = SummarizeBoundaries(attemptScope is null
            ? r.Boundaries
            : [.. r.Boundaries.Where(b => string.Equals(b.AttemptId, attemptScope, StringComparison.Ordinal))]);
        return new RunIncidentFacts
        {
            ProviderProgressSeen = seen.Contains(EvidenceEventType.ProviderProgressSeen),
            VisibleOutputSeen = seen.Contains(EvidenceEventType.VisibleOutputSeen),
            TextOutputStarted = seen.Contains(EvidenceEventType.TextOutputStarted),
            ReasoningOutputStarted = seen.Contains(EvidenceEventType.ReasoningOutputStarted),
            ToolInputStarted = seen.Contains(EvidenceEventType.ToolInputStarted),
            ToolInputCompleted = seen.Contains(EvidenceEventType.ToolInputCompleted),
            ToolCallMaterialized = seen.Contains(EvidenceEventType.ToolCallMaterialized),
            ToolExecutionStarted = seen.Contains(EvidenceEventType.ToolExecutionStarted),
            ToolExecutionCompleted = seen.Contains(EvidenceEventType.ToolExecutionCompleted),
            ReadOnlyToolStarted = seen.Contains(EvidenceEventType.ReadOnlyToolStarted),
            UnsafeSideEffectStarted = seen.Contains(EvidenceEventType.UnsafeSideEffectStarted),
            LifecycleCloseSeen = seen.Contains(EvidenceEventType.LifecycleCloseSeen),
            UserCancelSeen = seen.Contains(EvidenceEventType.UserCancelSeen),
            WatchdogFired = seen.Contains(EvidenceEventType.WatchdogFired),
            UnsafeSideEffectKinds = attemptScope is null || seen.Contains(EvidenceEventType.UnsafeSideEffectStarted) ? [.. r.UnsafeSideEffectKinds] : [],
            // §7.3: always the run-level flag, in both scopes.
            SideEffectFactsComplete = r.SideEffectFactsComplete,
            PendingToolPartsInterrupted = pending > 0 ? pending : null,
            MaterializedToolEffectKind = boundary?.Effect.Kind,
            MaterializedToolRequiresConfirmation = boundary is null ? null : boundary.Effect.Unsafe || !boundary.Effect.Complete,
        };
    }

    /// <summary>
    /// §7.8: the first incomplete boundary, else the first unsafe one, else the last — so an unsafe or unknown tool
    /// that materialized earlier is never masked by a safe one that came later.
    /// </summary>
    public static MaterializedBoundary? SummarizeBoundaries(IReadOnlyList<MaterializedBoundary> boundaries) =>
        boundaries.FirstOrDefault(static b => !b.Effect.Complete)
        ?? boundaries.FirstOrDefault(static b => b.Effect.Unsafe)
        ?? (boundaries.Count > 0 ? boundaries[^1] : null);

    /// <summary>§7.6, from the terminal facts.</summary>
    public static RunIncidentPhase Phase(RunIncidentFacts t, string? terminalAttemptId) => new()
    {
        ToolPhase = t.ToolExecutionStarted ? ToolPhase.ToolExecutionStarted
            : t.ToolCallMaterialized ? ToolPhase.ToolCallMaterialized
            : t.ToolInputCompleted ? ToolPhase.ToolInputCompleted
            : t.ToolInputStarted ? ToolPhase.ToolInputStarted
            : ToolPhase.None,
        StreamPhase = t.ToolCallMaterialized ? StreamPhase.AfterToolCall
            : t.ToolInputCompleted ? StreamPhase.AfterToolInputEnd
            : t.ToolInputStarted ? StreamPhase.ToolInputGeneration
            : t.ReasoningOutputStarted && !t.TextOutputStarted ? StreamPhase.ReasoningGeneration
            : t.VisibleOutputSeen || t.ProviderProgressSeen ? StreamPhase.TextGeneration
            : StreamPhase.BeforeFirstProviderProgress,
        RunPhase = t.ToolExecutionStarted ? RunPhase.ToolExecution
            : t.ToolInputStarted || t.ToolCallMaterialized ? RunPhase.ToolGeneration
            : t.ProviderProgressSeen || t.VisibleOutputSeen ? RunPhase.Streaming
            : RunPhase.Unknown,
        TerminalAttemptId = terminalAttemptId,
    };

    /// <summary>§7.7: the conservative recovery decision; run facts decide safety, terminal facts the partial input.</summary>
    public static RunRecovery Recovery(RunTerminalCause cause, RunIncidentFacts facts, RunIncidentFacts terminalFacts)
    {
        var (recommendation, confidence, reason) = cause.Category switch
        {
            RunCauseCategory.UserCancel => (RecoveryRecommendation.DoNotRetry, RunConfidence.High, RecoveryReason.UserCancel),
            RunCauseCategory.LocalLifecycleClose => (RecoveryRecommendation.DoNotRetry, cause.Confidence, RecoveryReason.LocalLifecycleClose),
            _ when !facts.SideEffectFactsComplete => (RecoveryRecommendation.AskUserBeforeRetry, RunConfidence.High, RecoveryReason.SideEffectFactsIncomplete),
            _ when facts.UnsafeSideEffectStarted => (RecoveryRecommendation.AskUserBeforeRetry, RunConfidence.High, RecoveryReason.UnsafeSideEffectStarted),
            _ when facts.ToolExecutionStarted => (RecoveryRecommendation.AskUserBeforeRetry, RunConfidence.Medium, RecoveryReason.ToolExecutionStarted),
            // 6a is shadowed by rule 3 (an unknown effect always makes the facts incomplete); kept as the spec writes it.
            _ when facts.ToolCallMaterialized && (!facts.SideEffectFactsComplete || facts.MaterializedToolEffectKind == ToolEffectKind.Unknown) =>
                (RecoveryRecommendation.AskUserBeforeRetry, RunConfidence.High, RecoveryReason.SideEffectFactsIncomplete),
            _ when facts.ToolCallMaterialized && facts.MaterializedToolRequiresConfirmation == true =>
                (RecoveryRecommendation.AskUserBeforeRetry, RunConfidence.High, RecoveryReason.ToolCallMaterializedWithoutExecution),
            _ when facts.ToolCallMaterialized => (RecoveryRecommendation.OfferContinue, RunConfidence.High, RecoveryReason.ToolCallMaterializedWithoutExecution),
            _ when terminalFacts.ToolInputStarted && !terminalFacts.ToolInputCompleted =>
                (RecoveryRecommendation.OfferContinue, RunConfidence.High, RecoveryReason.PartialToolInputWithoutExecution),
            _ when facts.VisibleOutputSeen => (RecoveryRecommendation.OfferContinue, RunConfidence.High, RecoveryReason.VisibleOutputWithoutToolExecution),
            RunCauseCategory.ProviderTransportDisconnect => (RecoveryRecommendation.AutoRetryOnce, RunConfidence.Medium, RecoveryReason.NoVisibleOutputOrToolExecution),
            _ => (RecoveryRecommendation.Unknown, RunConfidence.Low, RecoveryReason.Unknown),
        };
        return new RunRecovery
        {
            SafetyScope = RecoverySafetyScope.VisibleOutputAndToolSideEffects,
            Recommendation = recommendation,
            Confidence = confidence,
            Reason = reason,
            AutoRetry = recommendation == RecoveryRecommendation.AutoRetryOnce ? new RunAutoRetry { MaxAttempts = 1, BackoffMs = 1000 } : null,
        };
    }

    /// <summary>§7.10: the unclaimed close, then the diagnostic gaps, de-duplicated, in order.</summary>
    public static List<string> MissingProvenance(RunRecording r, RunIncidentFacts facts)
    {
        var missing = new List<string>();
        if (RunSummaryDerivation.LegacyClassification(r.Failure) == RunClassification.UnknownScopeClose)
        {
            missing.Add(LifecycleCloseRequested);
        }

        if (!r.SideEffectFactsComplete)
        {
            missing.Add("side_effect.boundary_unknown");
        }

        // "evidence.ordering_missing" cannot arise: every recorded event carries a monotonic time.
        if (facts.ToolExecutionStarted && !facts.ToolCallMaterialized)
        {
            missing.Add("tool.materialization_missing");
        }

        if (facts.ToolInputCompleted && !facts.ToolInputStarted)
        {
            missing.Add("tool_input.start_missing");
        }

        return [.. missing.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>§7.11 keys.</summary>
    public static RunIncidentUserSummary UserSummary(RunTerminalCause cause, RunRecovery recovery)
    {
        var title = "run_incident." + WireName.Of(cause.Category);
        return new RunIncidentUserSummary
        {
            TitleKey = title,
            BodyKey = title + "." + (cause.Subcategory ?? "unknown"),
            ActionKey = recovery.Recommendation switch
            {
                RecoveryRecommendation.AutoRetryOnce => "run_incident.action.retry",
                RecoveryRecommendation.OfferContinue => "run_incident.action.continue",
                RecoveryRecommendation.OfferResumeWithConfirmation => "run_incident.action.confirm_continue",
                RecoveryRecommendation.AskUserBeforeRetry => "run_incident.action.confirm_retry",
                _ => null,
            },
            Severity = cause.Category switch
            {
                RunCauseCategory.UserCancel => IncidentSeverity.Info,
                RunCauseCategory.UnknownInterruption or RunCauseCategory.CrashOrRestartIncomplete => IncidentSeverity.Error,
                _ => IncidentSeverity.Warning,
            },
        };
    }

    /// <summary>§7.11's fixed sentences, from the cause and the run facts.</summary>
    public static string PlainSummary(RunTerminalCause cause, RunIncidentFacts facts) => cause.Category switch
    {
        RunCauseCategory.ProviderTransportDisconnect
            when cause.Subcategory == WireName.Of(TransportSubcategory.DuringToolInputGeneration) && !facts.ToolExecutionStarted =>
            $"The provider stream disconnected while {Product} was preparing a tool call. The tool did not run.",
        RunCauseCategory.LocalLifecycleClose => "The active run was interrupted by a local lifecycle close.",
        RunCauseCategory.UserCancel => "The run was cancelled by the user.",
        RunCauseCategory.WatchdogTimeout => $"The run stopped after {Product} waited too long for provider progress.",
        RunCauseCategory.ToolExecutionFailure => "A tool failed after execution started.",
        _ => $"The run ended before {Product} could complete the assistant response.",
    };
}
