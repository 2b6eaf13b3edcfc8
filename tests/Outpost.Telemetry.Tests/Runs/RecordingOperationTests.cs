using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// run-observability-spec §2 (identity, clocks) and §3 (every recording operation: state effects and evidence).
public sealed class RecordingOperationTests
{
    [Fact]
    public void Begin_attempt_numbers_attempts_from_one_and_appends_attempt_started()
    {
        // §2: attempt id = run id + ":attempt:" + index; §3 beginAttempt.
        var run = new TestRun();
        var first = run.Attempt();
        var second = run.Attempt();

        Assert.Equal("run:msg-2:attempt:1", first);
        Assert.Equal("run:msg-2:attempt:2", second);
        Assert.All(run.R.Attempts, a => Assert.False(a.ProviderProgressSeen || a.VisibleOutputSeen || a.ToolCallSeen || a.ToolExecutionStarted));
        Assert.Equal([EvidenceEventType.AttemptStarted, EvidenceEventType.AttemptStarted], run.Types());
        Assert.Equal([1, 2], run.R.Evidence.Select(e => e.Order));
        Assert.Equal(first, run.R.Evidence[0].AttemptId);
    }

    [Fact]
    public void Evidence_ids_and_the_incident_id_follow_the_message_id()
    {
        // §2: "incident:" + message id; evidence "incident:<message>:evidence:<order>".
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Refused());

        var incident = run.Finalize().Incident!;
        Assert.Equal("incident:msg-2", incident.IncidentId);
        Assert.Equal(["incident:msg-2:evidence:1", "incident:msg-2:evidence:2"], incident.Evidence.Select(e => e.EventId));
    }

    [Fact]
    public void Provider_progress_sets_the_run_and_attempt_flags()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());

        Assert.True(run.R.ProviderProgressSeen);
        Assert.True(run.R.Attempts[0].ProviderProgressSeen);
        Assert.Equal(20, run.R.Attempts[0].LastMs);
        Assert.Equal(EvidenceEventType.ProviderProgressSeen, run.Types().Last());
    }

    [Fact]
    public void Visible_output_appends_two_events_on_every_call_without_deduplication()
    {
        // §3 recordVisibleOutput: "Two events on every call, with no de-duplication".
        var run = new TestRun();
        var a = run.Attempt();
        run.R.VisibleOutput(a, run.T(), VisibleOutputKind.Text);
        run.R.VisibleOutput(a, run.T(), VisibleOutputKind.Reasoning);

        Assert.Equal(
            [EvidenceEventType.AttemptStarted, EvidenceEventType.TextOutputStarted, EvidenceEventType.VisibleOutputSeen,
             EvidenceEventType.ReasoningOutputStarted, EvidenceEventType.VisibleOutputSeen],
            run.Types());
        Assert.True(run.R.VisibleOutputSeen);
        Assert.True(run.R.Attempts[0].VisibleOutputSeen);
    }

    [Fact]
    public void Tool_input_started_by_a_provider_executed_tool_makes_side_effect_facts_incomplete()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolInputStart(a, run.T(), providerExecuted: true);

        Assert.True(run.R.ToolInputStarted);
        Assert.True(run.R.Attempts[0].ToolInputStarted);
        Assert.False(run.R.SideEffectFactsComplete);
        Assert.Equal([EvidenceEventType.ToolInputStarted, EvidenceEventType.ProviderExecutedToolBoundary], run.Types().Skip(1));
    }

    [Fact]
    public void Tool_input_started_by_the_agent_keeps_side_effect_facts_complete()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolInputStart(a, run.T(), providerExecuted: false);
        run.R.ToolInputComplete(a, run.T());

        Assert.True(run.R.SideEffectFactsComplete);
        Assert.True(run.R.ToolInputCompleted);
        Assert.True(run.R.Attempts[0].ToolInputCompleted);
        Assert.Equal([EvidenceEventType.ToolInputStarted, EvidenceEventType.ToolInputCompleted], run.Types().Skip(1));
    }

    [Fact]
    public void A_materialized_call_without_an_effect_is_unknown_unsafe_and_incomplete()
    {
        // §3 recordToolCallMaterialized: "The effect defaults to unknown/unsafe/incomplete when missing."
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolCallMaterialize(a, run.T(), "mcp_tool", declared: null, providerExecuted: false);

        var e = run.R.Evidence[^1];
        Assert.Equal(EvidenceEventType.ToolCallMaterialized, e.EventType);
        Assert.Equal("mcp_tool", e.ToolName);
        Assert.Equal(RunToolEffect.Unknown, e.Effect);
        Assert.True(run.R.ToolCallSeen);
        Assert.True(run.R.ToolCallMaterialized);
        Assert.True(run.R.Attempts[0].ToolCallMaterialized);
        Assert.False(run.R.SideEffectFactsComplete);
        Assert.Equal(new MaterializedBoundary(a, "mcp_tool", RunToolEffect.Unknown), Assert.Single(run.R.Boundaries));
    }

    [Fact]
    public void A_materialized_read_only_call_keeps_side_effect_facts_complete_unless_the_provider_runs_it()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolCallMaterialize(a, run.T(), "read", RunToolEffect.ReadOnly, providerExecuted: false);
        Assert.True(run.R.SideEffectFactsComplete);

        run.R.ToolCallMaterialize(a, run.T(), "read", RunToolEffect.ReadOnly, providerExecuted: true);
        Assert.False(run.R.SideEffectFactsComplete);
    }

    [Fact]
    public void Execution_start_of_an_unsafe_tool_records_its_kind_once_in_first_seen_order()
    {
        // §3 recordToolExecutionStarted: unsafe kinds "no duplicates, first-seen order"; confidence high when complete.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolExecutionStart(a, run.T(), "apply_patch", RunToolEffect.LocalFileWrite);
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);

        Assert.Equal([ToolEffectKind.LocalProcess, ToolEffectKind.LocalFileWrite], run.R.UnsafeSideEffectKinds);
        Assert.True(run.R.UnsafeSideEffectStarted);
        Assert.True(run.R.Attempts[0].UnsafeSideEffectStarted);
        Assert.True(run.R.SideEffectFactsComplete);
        var unsafeEvent = run.R.Evidence.First(e => e.EventType == EvidenceEventType.UnsafeSideEffectStarted);
        Assert.Equal(RunConfidence.High, unsafeEvent.Confidence);
        Assert.Equal("bash", unsafeEvent.ToolName);
    }

    [Fact]
    public void Execution_start_of_a_read_only_tool_adds_read_only_tool_started_and_nothing_unsafe()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "read", RunToolEffect.ReadOnly);

        Assert.True(run.R.ReadOnlyToolStarted);
        Assert.False(run.R.UnsafeSideEffectStarted);
        Assert.False(run.R.Attempts[0].UnsafeSideEffectStarted);
        Assert.True(run.R.Attempts[0].ToolExecutionStarted);
        Assert.Equal([EvidenceEventType.ToolExecutionStarted, EvidenceEventType.ReadOnlyToolStarted], run.Types().Skip(1));
    }

    [Fact]
    public void Execution_start_of_an_unknown_tool_is_unsafe_with_medium_confidence_and_incomplete_facts()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "edit", RunToolEffect.Unknown);

        Assert.False(run.R.SideEffectFactsComplete);
        Assert.Equal([ToolEffectKind.Unknown], run.R.UnsafeSideEffectKinds);
        Assert.Equal(RunConfidence.Medium, run.R.Evidence[^1].Confidence);
        Assert.Equal(EvidenceEventType.UnsafeSideEffectStarted, run.R.Evidence[^1].EventType);
    }

    [Fact]
    public void Tool_completion_stamps_the_attempt_with_the_wall_clock()
    {
        var run = new TestRun();
        var a = run.Attempt();
        var at = TestRun.Created.AddSeconds(7);
        run.R.ToolComplete(a, at, run.T());

        Assert.Equal(at, run.R.Attempts[0].LastToolCompletedAt);
        Assert.True(run.R.ToolExecutionCompleted);
        Assert.Equal(EvidenceEventType.ToolExecutionCompleted, run.Types().Last());
        Assert.Equal(at, run.Finalize().Attempts[0].LastToolCompletedAt);
    }

    [Fact]
    public void A_tool_failure_fills_the_failure_slot_and_appends_a_terminal_candidate_with_a_cause()
    {
        var run = new TestRun();
        var a = run.Attempt();
        var error = new ErrorFingerprint { Name = "IOException", Message = "redacted" };
        run.R.ToolFail(a, run.T(), error);

        Assert.Equal(RunFailureKind.Tool, run.R.Failure!.Kind);
        Assert.Equal(a, run.R.Failure.AttemptId);
        var e = run.R.Evidence[^1];
        Assert.Equal(EvidenceEventType.ToolExecutionFailure, e.EventType);
        Assert.True(e.TerminalCandidate);
        Assert.Equal(error, e.Error);
        Assert.Equal(RunCauseCategory.ToolExecutionFailure, e.Cause!.Category);
        Assert.Equal(RunConfidence.High, e.Cause.Confidence);
    }

    [Fact]
    public void A_tool_failure_without_an_error_still_gives_an_empty_fingerprint()
    {
        // §4 / §11.6: "A tool failure recorded with no error object still yields an empty fingerprint object."
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolFail(a, run.T(), error: null);

        Assert.Equal(new ErrorFingerprint(), run.Finalize().Error);
    }

    [Fact]
    public void Failure_operations_do_not_move_the_attempts_last_progress()
    {
        // §3 notes: failure, interruption, transport, setup and scope-close calls update only the run's last event.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ProviderProgress(a, run.T());
        var progressAt = run.Now;
        run.R.ToolFail(a, run.T(), null);
        run.R.ToolInterrupt(a, run.T());
        run.R.PendingToolPartInterrupt(a, run.T(), null, null);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.SetupFail(run.T(), new ErrorFingerprint());
        run.R.ScopeClose(run.T(), null, null, null);

        Assert.Equal(progressAt, run.R.Attempts[0].LastMs);
        Assert.Equal(run.Now, run.R.LastEventMs);
    }

    [Fact]
    public void Interrupting_a_tool_whose_attempt_never_started_execution_is_a_pending_part_not_a_failure()
    {
        // §3 recordToolInterrupted guard (7d020ba07), §7.9.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolInputStart(a, run.T(), false);
        run.R.ToolInterrupt(a, run.T());

        Assert.Null(run.R.Failure);
        Assert.Equal(1, run.R.PendingToolPartsInterrupted);
        var e = run.R.Evidence[^1];
        Assert.Equal(EvidenceEventType.PendingToolPartInterrupted, e.EventType);
        Assert.False(e.TerminalCandidate);
        Assert.Null(e.Cause);
        Assert.Equal(["raw_tool_input"], e.Redactions);
        Assert.False(e.ToolExecutionStarted);
        Assert.Equal(InterruptionPhase.ToolInputGeneration, e.InterruptionPhase);
    }

    [Fact]
    public void Interrupting_a_materialized_but_unexecuted_call_names_that_phase()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.Materialize(a, "bash", RunToolEffect.LocalProcess);
        run.R.ToolInterrupt(a, run.T());

        Assert.Equal(InterruptionPhase.ToolCallMaterializedWithoutExecution, run.R.Evidence[^1].InterruptionPhase);
        Assert.Null(run.R.Failure);
    }

    [Fact]
    public void Interrupting_a_tool_of_an_unknown_attempt_is_a_pending_part()
    {
        var run = new TestRun();
        run.R.ToolInterrupt("run:msg-2:attempt:9", run.T());

        Assert.Null(run.R.Failure);
        Assert.Equal(1, run.R.PendingToolPartsInterrupted);
        Assert.Null(run.R.Evidence[^1].AttemptId);
    }

    [Fact]
    public void Interrupting_an_executing_tool_is_a_terminal_tool_failure_without_an_error()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ToolExecutionStart(a, run.T(), "bash", RunToolEffect.LocalProcess);
        run.R.ToolInterrupt(a, run.T());

        Assert.Equal(RunFailureKind.Tool, run.R.Failure!.Kind);
        Assert.Null(run.R.Failure.Error);
        var e = run.R.Evidence[^1];
        Assert.Equal(EvidenceEventType.ToolExecutionInterrupted, e.EventType);
        Assert.True(e.TerminalCandidate);
        Assert.Equal(RunConfidence.Medium, e.Confidence);
        Assert.Equal(InterruptionPhase.ToolExecution, e.InterruptionPhase);
        Assert.True(e.ToolExecutionStarted);
        Assert.Equal(RunCauseCategory.ToolExecutionInterrupted, e.Cause!.Category);
        Assert.Null(run.Finalize().Error);
    }

    [Fact]
    public void A_pending_part_interruption_is_never_a_failure_and_carries_the_given_phase()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.PendingToolPartInterrupt(a, run.T(), InterruptionPhase.ToolCallMaterializedWithoutExecution, false);
        run.R.PendingToolPartInterrupt(a, run.T(), null, null);

        Assert.Null(run.R.Failure);
        Assert.Equal(2, run.R.PendingToolPartsInterrupted);
        Assert.Equal(InterruptionPhase.ToolCallMaterializedWithoutExecution, run.R.Evidence[^2].InterruptionPhase);
        Assert.Null(run.R.Evidence[^1].InterruptionPhase);
        Assert.Null(run.R.Evidence[^1].ToolExecutionStarted);
        Assert.All(run.R.Evidence.Skip(1), e => Assert.Equal(["raw_tool_input"], e.Redactions));
    }

    [Fact]
    public void A_transport_failure_computes_its_cause_when_recorded_from_the_facts_seen_so_far()
    {
        // §7.5: "computed at record time"; later facts do not change it.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.ProviderProgress(a, run.T());

        var e = run.R.Evidence.Single(e => e.EventType == EvidenceEventType.ProviderTransportFailure);
        Assert.Equal("before_first_provider_progress", e.Cause!.Subcategory);
        Assert.Equal(TransportBoundary.SdkTransport, e.Cause.Boundary);
        Assert.Equal(RunConfidence.High, e.Confidence);
        Assert.Equal(RunFailureKind.Transport, run.R.Failure!.Kind);
    }

    [Fact]
    public void A_transport_failure_that_is_not_a_closed_socket_has_an_unknown_boundary_and_medium_confidence()
    {
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Refused());

        var cause = run.R.Evidence[^1].Cause!;
        Assert.Equal(TransportBoundary.Unknown, cause.Boundary);
        Assert.Equal(RunConfidence.Medium, cause.Confidence);
        Assert.Equal(RunConfidence.Medium, run.R.Evidence[^1].Confidence);
    }

    [Fact]
    public void A_setup_failure_has_no_attempt_and_high_confidence()
    {
        var run = new TestRun();
        run.Attempt();
        run.R.SetupFail(run.T(), new ErrorFingerprint { Code = "http_status_429" });

        var e = run.R.Evidence[^1];
        Assert.Equal(EvidenceEventType.RequestSetupFailure, e.EventType);
        Assert.Null(e.AttemptId);
        Assert.True(e.TerminalCandidate);
        Assert.Equal(RunCauseCategory.RequestSetupFailure, e.Cause!.Category);
        Assert.Equal("http_status_429", e.Cause.Error!.Code);
        Assert.Equal(RunFailureKind.Setup, run.R.Failure!.Kind);
    }

    [Fact]
    public void A_scope_close_with_an_action_is_a_high_confidence_lifecycle_close_of_that_kind()
    {
        var run = new TestRun();
        var action = new LifecycleCloseAction("lifecycle:task_stop:x:1", LifecycleKind.TaskStop);
        run.R.ScopeClose(run.T(), action, "task_runner.interrupt", "aborted");

        var e = run.R.Evidence[^1];
        Assert.Equal(EvidenceEventType.LifecycleCloseSeen, e.EventType);
        Assert.Equal(EvidenceSource.Lifecycle, e.Source);
        Assert.Null(e.AttemptId);
        Assert.Equal(RunConfidence.High, e.Confidence);
        Assert.Equal("task_stop", e.Cause!.Subcategory);
        Assert.Equal(action, run.R.Failure!.Action);
    }

    [Fact]
    public void A_scope_close_without_an_action_is_a_medium_confidence_unknown_lifecycle_close()
    {
        var run = new TestRun();
        run.R.ScopeClose(run.T(), null, null, null);

        var e = run.R.Evidence[^1];
        Assert.Equal(RunConfidence.Medium, e.Confidence);
        Assert.Equal("unknown_lifecycle_close", e.Cause!.Subcategory);
        Assert.Equal(RunConfidence.Medium, e.Cause.Confidence);
    }

    [Fact]
    public void The_failure_slot_keeps_the_first_failure()
    {
        // §1.4: "The legacy failure slot keeps the first failure recorded."
        var run = new TestRun();
        var a = run.Attempt();
        run.R.ScopeClose(run.T(), null, "first", null);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.SetupFail(run.T(), new ErrorFingerprint());
        run.R.ToolFail(a, run.T(), null);

        Assert.Equal(RunFailureKind.ScopeClosed, run.R.Failure!.Kind);
        Assert.Equal("first", run.R.Failure.Source);
    }

    [Fact]
    public void Updates_for_an_attempt_that_does_not_exist_are_skipped_and_the_run_flags_still_set()
    {
        var run = new TestRun();
        run.R.ProviderProgress("run:msg-2:attempt:4", run.T());

        Assert.True(run.R.ProviderProgressSeen);
        Assert.Empty(run.R.Attempts);
        Assert.Null(run.R.Evidence[^1].AttemptId);
    }

    [Fact]
    public void Identity_labels_are_sanitized_before_they_are_kept()
    {
        var r = new RunRecording(TestRun.Identity with { Model = "openai/gpt 4o", Provider = "openai", SessionId = " " }, 0);

        Assert.Equal("openai_gpt_4o", r.Model);
        Assert.Equal("unknown", r.SessionId);
        Assert.Equal("openai", r.Provider);
        Assert.Equal("run:msg-2", r.RunId);
    }
}
