using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// run-observability-spec §7: terminal selection, facts, cause catalogue, transport cause and phase, recovery,
// materialized tool boundaries, cleanup evidence, provenance and the incident's shape.
public sealed class IncidentDerivationTests
{
    private static RunIncident Incident(TestRun run) => run.Finalize().Incident ?? throw new InvalidOperationException("no incident");

    [Fact]
    public void No_terminal_evidence_means_no_incident()
    {
        var run = new TestRun();
        var a = run.Text();
        run.R.ToolExecutionStart(a, run.T(), "read", RunToolEffect.ReadOnly);
        run.R.ToolComplete(a, run.At, run.T());

        Assert.Null(run.Finalize().Incident);
    }

    [Fact]
    public void The_earliest_terminal_candidate_by_monotonic_time_is_the_cause()
    {
        // §7.2 steps 2 and 4: a lifecycle close before the abort-induced transport error wins.
        var run = new TestRun();
        var a = run.Text();
        run.R.ScopeClose(run.T(), null, null, null);
        run.R.TransportFail(a, run.T(), new ErrorFingerprint { Name = "OperationCanceledException", Message = "aborted" });

        Assert.Equal(RunCauseCategory.LocalLifecycleClose, Incident(run).TerminalCause.Category);
    }

    [Fact]
    public void A_provider_disconnect_before_a_late_lifecycle_close_wins()
    {
        var run = new TestRun();
        var a = run.Text();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.ScopeClose(run.T(), null, null, null);

        Assert.Equal(RunCauseCategory.ProviderTransportDisconnect, Incident(run).TerminalCause.Category);
    }

    [Fact]
    public void Terminal_candidates_at_the_same_time_are_ordered_by_their_order_number()
    {
        // §7.2 step 3.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.SetupFail(50, new ErrorFingerprint());
        run.R.TransportFail(a, 50, TestRun.Reset());

        Assert.Equal(RunCauseCategory.RequestSetupFailure, Incident(run).TerminalCause.Category);
    }

    [Fact]
    public void A_setup_failure_after_which_a_transport_failure_is_recorded_stays_the_cause()
    {
        // §8.5: the halt's later transport failure never wins.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.SetupFail(run.T(), new ErrorFingerprint { Code = "http_status_429" });
        run.R.TransportFail(a, run.T(), TestRun.Refused());
        var incident = Incident(run);

        Assert.Equal(RunCauseCategory.RequestSetupFailure, incident.TerminalCause.Category);
        Assert.Equal(RunConfidence.High, incident.TerminalCause.Confidence);
        Assert.Null(incident.Phase.TerminalAttemptId);
        Assert.Equal(RecoveryRecommendation.Unknown, incident.Recovery.Recommendation);
    }

    [Fact]
    public void Tool_failure_and_tool_interruption_causes_carry_no_tool_name()
    {
        // §7.4: tool? is never filled; §6.1: causes never carry a tool name.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolFail(a, run.T(), new ErrorFingerprint { Name = "IOException" });
        var failed = Incident(run).TerminalCause;
        Assert.Equal(RunCauseCategory.ToolExecutionFailure, failed.Category);
        Assert.Null(failed.Tool);
        Assert.Equal("IOException", failed.Error!.Name);

        var interrupted = new TestRun();
        var b = interrupted.Attempt();
        interrupted.R.ToolExecutionStart(b, interrupted.T(), "bash", RunToolEffect.LocalProcess);
        interrupted.R.ToolInterrupt(b, interrupted.T());
        var cause = Incident(interrupted).TerminalCause;
        Assert.Equal(RunCauseCategory.ToolExecutionInterrupted, cause.Category);
        Assert.Equal(RunConfidence.Medium, cause.Confidence);
        Assert.Null(cause.Tool);
    }

    [Theory]
    // §7.5 subcategory rules 1–5.
    [InlineData("input", "during_tool_input_generation")]
    [InlineData("input_done", "unknown_stream_phase")]
    [InlineData("materialized", "after_tool_call_before_execution")]
    [InlineData("progress", "during_text_generation")]
    [InlineData("nothing", "before_first_provider_progress")]
    public void The_transport_subcategory_says_how_far_the_attempt_got(string reached, string subcategory)
    {
        var run = new TestRun();
        var a = run.Attempt();
        if (reached != "nothing")
        {
            run.R.ProviderProgress(a, run.T());
        }

        if (reached is "input" or "input_done")
        {
            run.R.ToolInputStart(a, run.T(), false);
        }

        if (reached == "input_done")
        {
            run.R.ToolInputComplete(a, run.T());
        }

        if (reached == "materialized")
        {
            run.R.ToolCallMaterialize(a, run.T(), "read", RunToolEffect.ReadOnly, false);
        }

        run.R.TransportFail(a, run.T(), TestRun.Reset());

        Assert.Equal(subcategory, Incident(run).TerminalCause.Subcategory);
    }

    [Fact]
    public void The_transport_cause_uses_the_named_attempt_not_earlier_attempts()
    {
        // §7.5 "from the facts seen so far for the named attempt".
        var run = new TestRun();
        run.Text();
        var second = run.Attempt();
        run.R.TransportFail(second, run.T(), TestRun.Reset());
        var incident = Incident(run);

        Assert.Equal("before_first_provider_progress", incident.TerminalCause.Subcategory);
        // §7.6: the phase uses the terminal attempt's facts …
        Assert.Equal(StreamPhase.BeforeFirstProviderProgress, incident.Phase.StreamPhase);
        Assert.Equal(RunPhase.Unknown, incident.Phase.RunPhase);
        Assert.Equal(second, incident.Phase.TerminalAttemptId);
        // … while recovery uses the run's (§1.6): the first attempt's output still blocks an automatic retry.
        Assert.Equal(RecoveryRecommendation.OfferContinue, incident.Recovery.Recommendation);
        Assert.Equal(RecoveryReason.VisibleOutputWithoutToolExecution, incident.Recovery.Reason);
        Assert.True(incident.Facts.VisibleOutputSeen);
    }

    [Fact]
    public void A_transport_failure_without_an_attempt_uses_the_run_facts()
    {
        var run = new TestRun();
        run.Text();
        run.R.TransportFail(null, run.T(), TestRun.Reset());
        var incident = Incident(run);

        Assert.Equal("during_text_generation", incident.TerminalCause.Subcategory);
        Assert.Null(incident.Phase.TerminalAttemptId);
        Assert.Equal(StreamPhase.TextGeneration, incident.Phase.StreamPhase);
    }

    [Fact]
    public void The_phase_of_a_tool_execution_failure_is_tool_execution()
    {
        // §7.6 first matches.
        var run = new TestRun();
        var a = run.Attempt();
        run.Materialize(a, "bash", RunToolEffect.LocalProcess);
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolFail(a, run.T(), null);

        Assert.Equal(new RunIncidentPhase { RunPhase = RunPhase.ToolExecution, StreamPhase = StreamPhase.AfterToolCall, ToolPhase = ToolPhase.ToolExecutionStarted, TerminalAttemptId = a }, Incident(run).Phase);
    }

    [Fact]
    public void Reasoning_without_text_is_the_reasoning_generation_phase()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());
        run.R.VisibleOutput(a, run.T(), VisibleOutputKind.Reasoning);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var phase = Incident(run).Phase;

        Assert.Equal(StreamPhase.ReasoningGeneration, phase.StreamPhase);
        Assert.Equal(RunPhase.Streaming, phase.RunPhase);
        Assert.Equal(ToolPhase.None, phase.ToolPhase);
    }

    [Fact]
    public void Partial_tool_input_is_the_tool_input_generation_phase_and_offers_to_continue()
    {
        // §7.6 and §7.7 rule 7; §7.11 the tool-input sentence.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());
        run.R.ToolInputStart(a, run.T(), false);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var incident = Incident(run);

        Assert.Equal(StreamPhase.ToolInputGeneration, incident.Phase.StreamPhase);
        Assert.Equal(ToolPhase.ToolInputStarted, incident.Phase.ToolPhase);
        Assert.Equal(RunPhase.ToolGeneration, incident.Phase.RunPhase);
        Assert.Equal(RecoveryRecommendation.OfferContinue, incident.Recovery.Recommendation);
        Assert.Equal(RecoveryReason.PartialToolInputWithoutExecution, incident.Recovery.Reason);
        Assert.Equal("The provider stream disconnected while Outpost was preparing a tool call. The tool did not run.", incident.PlainSummary);
        Assert.Equal("run_incident.action.continue", incident.UserSummary.ActionKey);
    }

    [Fact]
    public void A_clean_disconnect_before_any_output_is_retried_once_after_a_second()
    {
        // §7.7 rule 9; §7.11 keys and severity.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var incident = Incident(run);

        Assert.Equal(new RunRecovery
        {
            SafetyScope = RecoverySafetyScope.VisibleOutputAndToolSideEffects,
            Recommendation = RecoveryRecommendation.AutoRetryOnce,
            Confidence = RunConfidence.Medium,
            Reason = RecoveryReason.NoVisibleOutputOrToolExecution,
            AutoRetry = new RunAutoRetry { MaxAttempts = 1, BackoffMs = 1000 },
        }, incident.Recovery);
        Assert.Equal("run_incident.provider_transport_disconnect", incident.UserSummary.TitleKey);
        Assert.Equal("run_incident.provider_transport_disconnect.before_first_provider_progress", incident.UserSummary.BodyKey);
        Assert.Equal("run_incident.action.retry", incident.UserSummary.ActionKey);
        Assert.Equal(IncidentSeverity.Warning, incident.UserSummary.Severity);
        Assert.Equal(StreamPhase.BeforeFirstProviderProgress, incident.Phase.StreamPhase);
        Assert.Equal("The run ended before Outpost could complete the assistant response.", incident.PlainSummary);
    }

    [Fact]
    public void Any_lifecycle_close_is_do_not_retry_with_the_closes_confidence()
    {
        // §7.7 rule 2, before every side-effect rule.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ScopeClose(run.T(), new LifecycleCloseAction("lifecycle:task_stop:a:1", LifecycleKind.TaskStop), null, "aborted");
        var incident = Incident(run);

        Assert.Equal(RecoveryRecommendation.DoNotRetry, incident.Recovery.Recommendation);
        Assert.Equal(RunConfidence.High, incident.Recovery.Confidence);
        Assert.Equal(RecoveryReason.LocalLifecycleClose, incident.Recovery.Reason);
        Assert.Null(incident.UserSummary.ActionKey);
        Assert.Equal("The active run was interrupted by a local lifecycle close.", incident.PlainSummary);
        Assert.Equal("run_incident.local_lifecycle_close.task_stop", incident.UserSummary.BodyKey);
    }

    [Fact]
    public void Incomplete_side_effect_facts_ask_the_user_before_retrying()
    {
        // §7.7 rule 3.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "mcp_thing", RunToolEffect.Unknown);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var recovery = Incident(run).Recovery;

        Assert.Equal(RecoveryRecommendation.AskUserBeforeRetry, recovery.Recommendation);
        Assert.Equal(RecoveryReason.SideEffectFactsIncomplete, recovery.Reason);
        Assert.Equal(RunConfidence.High, recovery.Confidence);
    }

    [Fact]
    public void An_unsafe_tool_that_started_asks_the_user_before_retrying()
    {
        // §7.7 rule 4.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolFail(a, run.T(), null);
        var incident = Incident(run);

        Assert.Equal(RecoveryReason.UnsafeSideEffectStarted, incident.Recovery.Reason);
        Assert.Equal("run_incident.action.confirm_retry", incident.UserSummary.ActionKey);
        Assert.Equal("A tool failed after execution started.", incident.PlainSummary);
    }

    [Fact]
    public void A_read_only_tool_that_started_asks_the_user_with_medium_confidence()
    {
        // §7.7 rule 5.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "read", RunToolEffect.ReadOnly);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var recovery = Incident(run).Recovery;

        Assert.Equal(RecoveryRecommendation.AskUserBeforeRetry, recovery.Recommendation);
        Assert.Equal(RunConfidence.Medium, recovery.Confidence);
        Assert.Equal(RecoveryReason.ToolExecutionStarted, recovery.Reason);
    }

    [Theory]
    // §7.8: a tool that materialized in an earlier attempt still blocks auto-retry of a later attempt's disconnect.
    [InlineData("read", RecoveryRecommendation.OfferContinue, RecoveryReason.ToolCallMaterializedWithoutExecution)]
    [InlineData("bash", RecoveryRecommendation.AskUserBeforeRetry, RecoveryReason.ToolCallMaterializedWithoutExecution)]
    [InlineData("edit", RecoveryRecommendation.AskUserBeforeRetry, RecoveryReason.SideEffectFactsIncomplete)]
    public void A_tool_materialized_in_an_earlier_attempt_decides_the_recovery_of_a_later_disconnect(string tool, RecoveryRecommendation recommendation, RecoveryReason reason)
    {
        var run = new TestRun();
        var first = run.Attempt();
        run.R.ToolCallMaterialize(first, run.T(), tool, RunToolEffect.ForToolName(tool), false);
        var second = run.Attempt();
        run.R.TransportFail(second, run.T(), TestRun.Reset());
        var incident = Incident(run);

        Assert.Equal(recommendation, incident.Recovery.Recommendation);
        Assert.Equal(reason, incident.Recovery.Reason);
        Assert.Equal(RunConfidence.High, incident.Recovery.Confidence);
        // The terminal attempt had no boundary: the phase knows nothing of the tool.
        Assert.Equal(ToolPhase.None, incident.Phase.ToolPhase);
    }

    [Fact]
    public void An_unsafe_tool_materialized_first_is_not_masked_by_a_safe_one_materialized_later()
    {
        // §7.8 order: first incomplete, else first unsafe, else last.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolCallMaterialize(a, run.T(), "bash", RunToolEffect.LocalProcess, false);
        run.R.ToolCallMaterialize(a, run.T(), "read", RunToolEffect.ReadOnly, false);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var facts = Incident(run).Facts;

        Assert.Equal(ToolEffectKind.LocalProcess, facts.MaterializedToolEffectKind);
        Assert.True(facts.MaterializedToolRequiresConfirmation);
    }

    [Fact]
    public void Boundary_summaries_prefer_incomplete_then_unsafe_then_the_last()
    {
        var read = new MaterializedBoundary("a", "read", RunToolEffect.ReadOnly);
        var grep = new MaterializedBoundary("a", "grep", RunToolEffect.ReadOnly);
        var bash = new MaterializedBoundary("a", "bash", RunToolEffect.LocalProcess);
        var edit = new MaterializedBoundary("a", "edit", RunToolEffect.Unknown);

        Assert.Equal(edit, RunIncidentDerivation.SummarizeBoundaries([read, bash, edit]));
        Assert.Equal(bash, RunIncidentDerivation.SummarizeBoundaries([read, bash, grep]));
        Assert.Equal(grep, RunIncidentDerivation.SummarizeBoundaries([read, grep]));
        Assert.Null(RunIncidentDerivation.SummarizeBoundaries([]));
    }

    [Fact]
    public void A_materialized_but_never_executed_safe_tool_offers_to_continue()
    {
        // §7.7 rule 6c; the materialization is reported through the pending-part cleanup, not a failure (§7.9).
        var run = new TestRun();
        var a = run.Attempt();
        run.Materialize(a, "read", RunToolEffect.ReadOnly);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.ToolInterrupt(a, run.T());
        var incident = Incident(run);

        Assert.Equal(RecoveryRecommendation.OfferContinue, incident.Recovery.Recommendation);
        Assert.Equal(RecoveryReason.ToolCallMaterializedWithoutExecution, incident.Recovery.Reason);
        Assert.Equal(RunCauseCategory.ProviderTransportDisconnect, incident.TerminalCause.Category);
        Assert.Equal("after_tool_call_before_execution", incident.TerminalCause.Subcategory);
        Assert.Equal(1, incident.Facts.PendingToolPartsInterrupted);
        Assert.False(incident.Facts.MaterializedToolRequiresConfirmation);
        Assert.Equal(ToolEffectKind.ReadOnly, incident.Facts.MaterializedToolEffectKind);
    }

    [Fact]
    public void Cleanup_evidence_after_the_cause_never_replaces_it()
    {
        // §7.9: pending parts are never terminal; a later close does not win.
        var run = new TestRun();
        var a = run.Text();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.PendingToolPartInterrupt(a, run.T(), InterruptionPhase.ToolInputGeneration, false);
        run.R.ToolInterrupt(a, run.T());
        run.R.ScopeClose(run.T(), null, null, null);
        var s = run.Finalize();

        Assert.Equal(RunCauseCategory.ProviderTransportDisconnect, s.Incident!.TerminalCause.Category);
        Assert.Equal(RunClassification.ExternalStreamDisconnect, s.Classification);
        Assert.Equal(2, s.PendingToolPartsInterrupted);
        Assert.True(s.Incident.Facts.LifecycleCloseSeen);
        Assert.Contains(s.Incident.Evidence, e => e.EventType == EvidenceEventType.LifecycleCloseSeen);
    }

    [Fact]
    public void Terminal_facts_of_an_attempt_scoped_cause_do_not_see_the_lifecycle_close()
    {
        // §7.3 last paragraph: lifecycle events have no attempt id.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.ScopeClose(run.T(), null, null, null);
        var terminalFacts = RunIncidentDerivation.Facts(run.R, a);

        Assert.False(terminalFacts.LifecycleCloseSeen);
        Assert.True(RunIncidentDerivation.Facts(run.R, null).LifecycleCloseSeen);
    }

    [Fact]
    public void Attempt_scoped_facts_list_unsafe_kinds_only_for_an_attempt_that_started_one()
    {
        // §7.3 unsafe_side_effect_kinds; side_effect_facts_complete is always the run's.
        var run = new TestRun();
        var first = run.Attempt();
        run.R.ToolExecutionStart(first, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolExecutionStart(first, run.T(), "edit", RunToolEffect.Unknown);
        var second = run.Attempt();

        Assert.Equal([ToolEffectKind.LocalProcess, ToolEffectKind.Unknown], RunIncidentDerivation.Facts(run.R, first).UnsafeSideEffectKinds);
        Assert.Empty(RunIncidentDerivation.Facts(run.R, second).UnsafeSideEffectKinds);
        Assert.False(RunIncidentDerivation.Facts(run.R, second).SideEffectFactsComplete);
    }

    [Fact]
    public void Lifecycle_provenance_names_the_action_and_is_partial()
    {
        // §7.10: action_id, kind, reason (not source), no directory keys, completeness partial.
        var run = new TestRun();
        run.Attempt();
        var action = new LifecycleCloseAction("lifecycle:workspace_stop:a:2", LifecycleKind.WorkspaceStop);
        run.R.ScopeClose(run.T(), action, "task_runner.interrupt", "aborted");
        var incident = Incident(run);

        var lifecycle = incident.Provenance.Lifecycle!;
        Assert.Equal(action.ActionId, lifecycle.ActionId);
        Assert.Equal(LifecycleKind.WorkspaceStop, lifecycle.Kind);
        Assert.Equal("aborted", lifecycle.Reason);
        Assert.Empty(lifecycle.AffectedDirectoryKeys);
        Assert.Equal(ProvenanceCompleteness.Partial, lifecycle.Completeness);
        Assert.Equal(ProvenanceCompleteness.Partial, incident.Provenance.Completeness);
        Assert.Null(incident.MissingProvenance);
        Assert.True(incident.DiagnosticsComplete);
    }

    [Fact]
    public void An_unclaimed_close_is_missing_the_close_request_and_diagnostics_are_incomplete()
    {
        // §7.10 list 1.
        var run = new TestRun();
        run.Attempt();
        run.R.ScopeClose(run.T(), null, null, null);
        var incident = Incident(run);

        Assert.Equal(["lifecycle.close_requested"], incident.MissingProvenance);
        Assert.False(incident.DiagnosticsComplete);
        Assert.Null(incident.Provenance.Lifecycle);
        Assert.Equal(ProvenanceCompleteness.Partial, incident.Provenance.Completeness);
    }

    [Fact]
    public void A_run_with_nothing_missing_and_no_lifecycle_has_unknown_completeness()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var incident = Incident(run);

        Assert.Equal(ProvenanceCompleteness.Unknown, incident.Provenance.Completeness);
        Assert.True(incident.DiagnosticsComplete);
    }

    [Fact]
    public void Diagnostic_gaps_are_listed_after_the_close_request_in_the_spec_order()
    {
        // §7.10 list 2: side_effect.boundary_unknown, tool.materialization_missing, tool_input.start_missing.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolInputComplete(a, run.T());
        run.R.ToolExecutionStart(a, run.T(), "mcp_x", RunToolEffect.Unknown);
        run.R.ScopeClose(run.T(), null, null, null);
        var incident = Incident(run);

        Assert.Equal(["lifecycle.close_requested", "side_effect.boundary_unknown", "tool.materialization_missing", "tool_input.start_missing"], incident.MissingProvenance);
    }

    [Fact]
    public void The_incident_carries_the_runs_identity_and_evidence_without_causes()
    {
        // §7.12 shape; §7.1 cause stripped before export.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var s = run.Finalize();
        var incident = s.Incident!;

        Assert.Equal(1, incident.SchemaVersion);
        Assert.Equal(("run:msg-2", "msg-2", "task-1", "msg-2", "msg-1"), (incident.RunId, incident.TraceId, incident.SessionId, incident.MessageId, incident.ParentMessageId));
        Assert.Equal(TestRun.Created, incident.CreatedAt);
        Assert.Equal(s.CompletedAt, incident.CompletedAt);
        var json = System.Text.Json.JsonSerializer.Serialize(incident, RunObservabilityJsonContext.Default.RunIncident);
        Assert.DoesNotContain("\"cause\"", json, StringComparison.Ordinal);
        Assert.Equal(TestRun.Reset(), incident.Evidence[^1].Error);
    }

    [Fact]
    public void Severity_and_action_keys_follow_the_cause_and_recommendation()
    {
        // §7.11.
        var recovery = new RunRecovery { SafetyScope = RecoverySafetyScope.VisibleOutputAndToolSideEffects, Recommendation = RecoveryRecommendation.OfferResumeWithConfirmation, Confidence = RunConfidence.Low, Reason = RecoveryReason.Unknown };
        Assert.Equal(IncidentSeverity.Info, RunIncidentDerivation.UserSummary(new RunTerminalCause { Category = RunCauseCategory.UserCancel, Confidence = RunConfidence.High }, recovery).Severity);
        Assert.Equal(IncidentSeverity.Error, RunIncidentDerivation.UserSummary(new RunTerminalCause { Category = RunCauseCategory.CrashOrRestartIncomplete, Confidence = RunConfidence.Low }, recovery).Severity);
        var unknown = RunIncidentDerivation.UserSummary(new RunTerminalCause { Category = RunCauseCategory.UnknownInterruption, Confidence = RunConfidence.Low }, recovery);
        Assert.Equal(IncidentSeverity.Error, unknown.Severity);
        Assert.Equal("run_incident.unknown_interruption.unknown", unknown.BodyKey);
        Assert.Equal("run_incident.action.confirm_continue", unknown.ActionKey);
        Assert.Equal("The run was cancelled by the user.", RunIncidentDerivation.PlainSummary(new RunTerminalCause { Category = RunCauseCategory.UserCancel, Confidence = RunConfidence.High }, RunIncidentDerivation.Facts(new TestRun().R, null)));
        Assert.Equal("The run stopped after Outpost waited too long for provider progress.", RunIncidentDerivation.PlainSummary(new RunTerminalCause { Category = RunCauseCategory.WatchdogTimeout, Confidence = RunConfidence.Low }, RunIncidentDerivation.Facts(new TestRun().R, null)));
    }

    [Fact]
    public void A_user_cancel_cause_is_never_retried()
    {
        // §7.7 rule 1 (the category is declared; Outpost records a task stop as a lifecycle close).
        var facts = RunIncidentDerivation.Facts(new TestRun().R, null);
        var recovery = RunIncidentDerivation.Recovery(new RunTerminalCause { Category = RunCauseCategory.UserCancel, Confidence = RunConfidence.High }, facts, facts);

        Assert.Equal((RecoveryRecommendation.DoNotRetry, RunConfidence.High, RecoveryReason.UserCancel), (recovery.Recommendation, recovery.Confidence, recovery.Reason));
    }
}
