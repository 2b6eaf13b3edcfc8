using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// run-observability-spec §5: classification (§5.2), summary_key (§5.3) and retry_safety (§5.4), with the §11 decisions.
public sealed class ClassificationTests
{
    private static LifecycleCloseAction Action(LifecycleKind kind) => new("lifecycle:" + kind + ":a:1", kind);

    [Fact]
    public void A_run_without_failure_is_success_completed_with_unknown_high_retry_advice()
    {
        // §5.2 rule 2 (none → success), §5.3 "completed", §5.4 rule 1.
        var run = new TestRun();
        run.Text();
        var s = run.Finalize();

        Assert.Equal(RunClassification.Success, s.Classification);
        Assert.Equal("success.completed", s.SummaryKey);
        Assert.Equal(new RetrySafety { SafetyScope = RetrySafetyScope.UserVisibleAndToolSideEffects, Recommendation = RetryRecommendation.Unknown, Confidence = RunConfidence.High, Reason = RetrySafetyReason.CompletedWithoutFailure }, s.RetrySafety);
        Assert.Null(s.Incident);
        Assert.Null(s.Error);
        Assert.Null(s.MissingProvenance);
    }

    [Fact]
    public void A_reset_before_any_output_is_a_disconnect_that_is_a_candidate_for_a_safe_retry()
    {
        // §5.2 rule 1 (transport → external_stream_disconnect), §5.3 transport rule 1, §5.4 rule 5.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var s = run.Finalize();

        Assert.Equal(RunClassification.ExternalStreamDisconnect, s.Classification);
        Assert.Equal("external_stream_disconnect.transport_failure", s.SummaryKey);
        Assert.Equal(RetryRecommendation.CandidateSafeAutoRetry, s.RetrySafety.Recommendation);
        Assert.Equal(RunConfidence.Medium, s.RetrySafety.Confidence);
        Assert.Equal(RetrySafetyReason.NoVisibleOutputOrToolExecution, s.RetrySafety.Reason);
    }

    [Fact]
    public void A_reset_after_visible_output_is_socket_closed_and_must_not_be_retried_automatically()
    {
        // §5.3 transport rule 3 (sdk_transport + socket closed), §5.4 rule 2.
        var run = new TestRun();
        var a = run.Text();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var s = run.Finalize();

        Assert.Equal("external_stream_disconnect.provider_progress_socket_closed", s.SummaryKey);
        Assert.Equal(RetryRecommendation.DoNotAutoRetry, s.RetrySafety.Recommendation);
        Assert.Equal(RetrySafetyReason.VisibleOutputSeen, s.RetrySafety.Reason);
    }

    [Fact]
    public void A_failure_after_progress_that_is_not_a_closed_socket_is_a_plain_transport_failure()
    {
        // §5.3 transport rule 4.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());
        run.R.TransportFail(a, run.T(), TestRun.Refused());

        Assert.Equal("external_stream_disconnect.transport_failure", run.Finalize().SummaryKey);
    }

    [Fact]
    public void A_reset_during_tool_input_is_a_tool_input_disconnect()
    {
        // §5.3 transport rule 2 (before rule 3).
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());
        run.R.ToolInputStart(a, run.T(), false);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var s = run.Finalize();

        Assert.Equal("external_stream_disconnect.provider_progress_tool_input_disconnect", s.SummaryKey);
        Assert.Equal(RetryRecommendation.CandidateSafeAutoRetry, s.RetrySafety.Recommendation);
    }

    [Fact]
    public void Reasoning_counts_as_visible_output_for_the_retry_advice()
    {
        // §5.4 rule 2, §11.7 (baseline kept: conservative).
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());
        run.R.VisibleOutput(a, run.T(), VisibleOutputKind.Reasoning);
        run.R.TransportFail(a, run.T(), TestRun.Reset());

        Assert.Equal(RetrySafetyReason.VisibleOutputSeen, run.Finalize().RetrySafety.Reason);
    }

    [Fact]
    public void An_unsafe_tool_that_started_blocks_automatic_retry()
    {
        // §5.4 rule 3.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var s = run.Finalize();

        Assert.Equal(RetryRecommendation.DoNotAutoRetry, s.RetrySafety.Recommendation);
        Assert.Equal(RetrySafetyReason.UnsafeSideEffectStarted, s.RetrySafety.Reason);
    }

    [Fact]
    public void A_read_only_tool_that_started_asks_the_user()
    {
        // §5.4 rule 4.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "read", RunToolEffect.ReadOnly);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        var s = run.Finalize();

        Assert.Equal(RetryRecommendation.AskUser, s.RetrySafety.Recommendation);
        Assert.Equal(RunConfidence.Medium, s.RetrySafety.Confidence);
        Assert.Equal(RetrySafetyReason.ToolExecutionStarted, s.RetrySafety.Reason);
    }

    [Fact]
    public void The_legacy_retry_advice_ignores_a_materialized_tool_but_the_incident_does_not()
    {
        // §5.4 divergence / §11.2: rule 5 ignores materialized tools; the incident's recovery is authoritative.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolCallMaterialize(a, run.T(), "bash", RunToolEffect.LocalProcess, false);
        run.R.TransportFail(a, run.T(), TestRun.Refused());
        var s = run.Finalize();

        Assert.Equal(RetryRecommendation.CandidateSafeAutoRetry, s.RetrySafety.Recommendation);
        Assert.Equal(RecoveryRecommendation.AskUserBeforeRetry, s.Incident!.Recovery.Recommendation);
    }

    [Fact]
    public void A_setup_failure_is_request_setup_failed_with_unknown_low_advice()
    {
        // §5.2, §5.3, §5.4 rule 7.
        var run = new TestRun();
        run.Attempt();
        run.R.SetupFail(run.T(), new ErrorFingerprint { Code = "http_status_429" });
        var s = run.Finalize();

        Assert.Equal(RunClassification.RequestSetupFailure, s.Classification);
        Assert.Equal("request_setup_failure.request_setup_failed", s.SummaryKey);
        Assert.Equal(new RetrySafety { SafetyScope = RetrySafetyScope.UserVisibleAndToolSideEffects, Recommendation = RetryRecommendation.Unknown, Confidence = RunConfidence.Low, Reason = RetrySafetyReason.Unknown }, s.RetrySafety);
        Assert.Equal("http_status_429", s.Error!.Code);
    }

    [Fact]
    public void A_failed_tool_is_a_tool_failure()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "read", RunToolEffect.ReadOnly);
        run.R.ToolFail(a, run.T(), null);
        var s = run.Finalize();

        Assert.Equal(RunClassification.ToolFailure, s.Classification);
        Assert.Equal("tool_failure.tool_execution_failed", s.SummaryKey);
    }

    [Fact]
    public void An_interrupted_executing_tool_is_a_tool_failure_too()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolInterrupt(a, run.T());

        Assert.Equal("tool_failure.tool_execution_failed", run.Finalize().SummaryKey);
    }

    [Fact]
    public void A_close_nobody_claimed_is_an_unknown_scope_close_missing_its_provenance()
    {
        // §5.2, §5.3 "missing_lifecycle_provenance", §4 missing_provenance, §5.4 rule 6, §9.4.
        var run = new TestRun();
        run.Text();
        run.R.ScopeClose(run.T(), null, "task_runner.interrupt", "aborted");
        var s = run.Finalize();

        Assert.Equal(RunClassification.UnknownScopeClose, s.Classification);
        Assert.Equal("unknown_scope_close.missing_lifecycle_provenance", s.SummaryKey);
        Assert.Equal(["lifecycle.close_requested"], s.MissingProvenance);
        Assert.Null(s.Lifecycle);
        Assert.Null(s.Error);
    }

    [Theory]
    [InlineData(LifecycleKind.TaskStop, RunClassification.KnownLifecycleClose, "known_lifecycle_close.lifecycle_close")]
    [InlineData(LifecycleKind.WorkspaceStop, RunClassification.LocalInstanceDispose, "local_instance_dispose.lifecycle_close")]
    [InlineData(LifecycleKind.AgentShutdown, RunClassification.LocalInstanceDispose, "local_instance_dispose.lifecycle_close")]
    [InlineData(LifecycleKind.AgentReinitialize, RunClassification.LocalInstanceReload, "local_instance_reload.lifecycle_close")]
    public void A_close_by_a_lifecycle_action_is_classified_by_its_kind_and_never_unknown(LifecycleKind kind, RunClassification expected, string key)
    {
        // §5.2 rule 1 and §9.4 with Outpost's kinds (docs/tasks.md); §11.1 decided conservatively: every close is do_not_auto_retry.
        var run = new TestRun();
        var a = run.Attempt();
        var action = Action(kind);
        run.R.ScopeClose(run.T(), action, "task_runner.interrupt", "aborted");
        run.R.TransportFail(a, run.T(), new ErrorFingerprint { Name = "OperationCanceledException", Message = "aborted", CauseCode = TransportCauseCodes.Cancelled });
        var s = run.Finalize();

        Assert.Equal(expected, s.Classification);
        Assert.Equal(key, s.SummaryKey);
        Assert.Null(s.MissingProvenance);
        Assert.Equal(new RunLifecycle { ActionId = action.ActionId, Kind = kind, Source = "task_runner.interrupt", Reason = "aborted" }, s.Lifecycle);
        Assert.Equal(RetryRecommendation.DoNotAutoRetry, s.RetrySafety.Recommendation);
        Assert.Equal(RetrySafetyReason.LocalAbortOrLifecycleClose, s.RetrySafety.Reason);
        Assert.Equal(RunConfidence.Medium, s.RetrySafety.Confidence);
    }

    [Fact]
    public void The_legacy_classification_covers_every_first_failure()
    {
        // §5.2 rule 2 table (used for §7.10's missing provenance).
        Assert.Equal(RunClassification.Success, RunSummaryDerivation.LegacyClassification(null));
        Assert.Equal(RunClassification.RequestSetupFailure, RunSummaryDerivation.LegacyClassification(new RunFailure(RunFailureKind.Setup, 1)));
        Assert.Equal(RunClassification.ToolFailure, RunSummaryDerivation.LegacyClassification(new RunFailure(RunFailureKind.Tool, 1)));
        Assert.Equal(RunClassification.ExternalStreamDisconnect, RunSummaryDerivation.LegacyClassification(new RunFailure(RunFailureKind.Transport, 1)));
        Assert.Equal(RunClassification.UnknownScopeClose, RunSummaryDerivation.LegacyClassification(new RunFailure(RunFailureKind.ScopeClosed, 1)));
        Assert.Equal(RunClassification.LocalInstanceReload, RunSummaryDerivation.LegacyClassification(new RunFailure(RunFailureKind.ScopeClosed, 1) { Action = Action(LifecycleKind.AgentReinitialize) }));
        Assert.Equal(RunClassification.KnownLifecycleClose, RunSummaryDerivation.LegacyClassification(new RunFailure(RunFailureKind.ScopeClosed, 1) { Action = Action(LifecycleKind.TaskStop) }));
    }

    [Fact]
    public void Causes_nothing_produces_classify_as_unknown_failure()
    {
        // §5.2 rule 1 "anything else".
        Assert.Equal(RunClassification.UnknownFailure, RunSummaryDerivation.Classify(new RunTerminalCause { Category = RunCauseCategory.WatchdogTimeout, Confidence = RunConfidence.Low }));
        Assert.Equal(RunClassification.UnknownFailure, RunSummaryDerivation.Classify(new RunTerminalCause { Category = RunCauseCategory.UserCancel, Confidence = RunConfidence.High }));
        Assert.Equal(RunClassification.UnknownScopeClose, RunSummaryDerivation.Classify(new RunTerminalCause { Category = RunCauseCategory.LocalLifecycleClose, Subcategory = "unknown_lifecycle_close", Confidence = RunConfidence.Medium }));
    }

    [Fact]
    public void Pending_tool_cleanup_without_a_failure_is_still_success()
    {
        // §5.2 consequence C-09 / §11.3: kept; in Outpost the interrupt path always records a close first.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolInputStart(a, run.T(), false);
        run.R.PendingToolPartInterrupt(a, run.T(), InterruptionPhase.ToolInputGeneration, false);
        var s = run.Finalize();

        Assert.Equal("success.completed", s.SummaryKey);
        Assert.Equal(1, s.PendingToolPartsInterrupted);
        Assert.Null(s.Incident);
    }

    [Fact]
    public void The_earliest_terminal_evidence_decides_the_classification_while_the_summary_fields_follow_the_first_failure()
    {
        // §11.5: calls recorded out of monotonic order. The transport failure is recorded first (slot) but timed later.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, 100, TestRun.Reset());
        run.R.ScopeClose(50, Action(LifecycleKind.TaskStop), null, null);
        var s = run.Finalize();

        Assert.Equal(RunClassification.KnownLifecycleClose, s.Classification);
        Assert.Equal(a, s.TerminalAttemptId);
        Assert.Equal(TestRun.Reset(), s.Error);
        Assert.Null(s.Lifecycle);
    }

    [Fact]
    public void The_terminal_attempt_is_the_failing_attempt_else_the_last_begun_else_absent()
    {
        // §4 terminal_attempt_id.
        var none = new TestRun();
        Assert.Null(none.Finalize().TerminalAttemptId);

        var closed = new TestRun();
        closed.Attempt();
        var last = closed.Attempt();
        closed.R.ScopeClose(closed.T(), null, null, null);
        Assert.Equal(last, closed.Finalize().TerminalAttemptId);

        var failed = new TestRun();
        var first = failed.Attempt();
        failed.Attempt();
        failed.R.ToolFail(first, failed.T(), null);
        Assert.Equal(first, failed.Finalize().TerminalAttemptId);

        var anonymous = new TestRun();
        anonymous.Attempt();
        anonymous.R.TransportFail(null, anonymous.T(), TestRun.Reset());
        Assert.Null(anonymous.Finalize().TerminalAttemptId);
    }

    [Fact]
    public void Durations_measure_from_start_and_from_the_failing_attempts_last_progress()
    {
        // §4 durations_ms: total = finalize − start; last_event_to_failure from the latest attempt progress ≤ failure.
        var run = new TestRun();
        var a = run.Attempt();               // 10
        run.R.ProviderProgress(a, 40);
        run.R.TransportFail(a, 100, TestRun.Reset());
        var s = RunSummaryDerivation.Build(run.R, TestRun.Created, 250);

        Assert.Equal(250, s.DurationsMs.Total);
        Assert.Equal(60, s.DurationsMs.LastEventToFailure);
    }

    [Fact]
    public void Without_a_qualifying_attempt_the_failure_is_measured_from_the_runs_last_event_and_never_negative()
    {
        var run = new TestRun();
        run.R.SetupFail(30, new ErrorFingerprint());
        run.R.ProviderProgress(null, 90);
        var s = RunSummaryDerivation.Build(run.R, TestRun.Created, 10);

        Assert.Equal(0, s.DurationsMs.LastEventToFailure);
        Assert.Equal(10, s.DurationsMs.Total);
        Assert.Null(new TestRun().Finalize().DurationsMs.LastEventToFailure);
    }
}
