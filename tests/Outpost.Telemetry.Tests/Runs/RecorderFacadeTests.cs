using System.Net.Sockets;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Testing;

namespace Outpost.Telemetry.Tests.Runs;

// The public recorder (spec §2 clocks, finalize; §6 safety at the API; issue 23 "the recorder never throws").
public sealed class RecorderFacadeTests
{
    private static readonly RunIdentity Identity = TestRun.Identity;

    [Fact]
    public void The_recorder_reads_both_clocks_from_the_time_provider()
    {
        // §2: wall clock for started_at and completed_at, monotonic for durations.
        var time = new FakeTimeProvider(TestRun.Created);
        var run = RunObservabilityRecorder.Start(Identity, time);
        time.Advance(TimeSpan.FromMilliseconds(250));
        var attempt = run.BeginAttempt();
        time.SetUtcNow(TestRun.Created.AddHours(-1)); // a wall-clock correction must not bend durations
        time.Advance(TimeSpan.FromMilliseconds(750));
        var summary = run.Finalize()!;

        Assert.Equal("run:msg-2:attempt:1", attempt);
        Assert.Equal(attempt, run.CurrentAttemptId);
        Assert.Equal(TestRun.Created.AddMilliseconds(250), summary.Attempts[0].StartedAt);
        Assert.Equal(TestRun.Created.AddHours(-1).AddMilliseconds(750), summary.CompletedAt);
        Assert.Equal(1000, summary.DurationsMs.Total);
    }

    [Fact]
    public void Finalize_is_pure_and_repeatable()
    {
        // §2: "Finalize has no side effects and can be called again."
        var time = new FakeTimeProvider(TestRun.Created);
        var run = RunObservabilityRecorder.Start(Identity, time);
        var a = run.BeginAttempt();
        run.ProviderProgress(a);
        run.VisibleOutput(a);
        run.TransportFailure(a, new HttpIOException(HttpRequestError.ResponseEnded));

        var first = Serialize(run.Finalize()!);
        var second = Serialize(run.Finalize()!);
        Assert.Equal(first, second);

        // A later close appends evidence but the first cause stays (§1.4).
        run.ScopeClosed(null);
        var third = run.Finalize()!;
        Assert.Equal(RunClassification.ExternalStreamDisconnect, third.Classification);
        Assert.True(third.Incident!.Facts.LifecycleCloseSeen);
        Assert.Equal(first, second);
    }

    [Fact]
    public void A_fault_inside_the_recorder_is_logged_counted_and_swallowed()
    {
        // Issue 23 "Bad input and faults": the recorder never throws into the agent loop.
        var time = new ThrowingTimeProvider();
        var logger = new CapturingLogger();
        var before = RunObservabilityRecorder.TotalInternalErrors;
        var run = RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created), logger);
        var broken = RunObservabilityRecorder.Start(Identity, time, logger);

        var attempt = broken.BeginAttempt();
        broken.ProviderProgress(attempt);
        var summary = broken.Finalize();

        Assert.Null(attempt);
        Assert.Null(summary);
        Assert.Equal(1, broken.InternalErrors); // the start failed; later calls have nothing to record into
        Assert.True(RunObservabilityRecorder.TotalInternalErrors >= before + 1);
        var warning = Assert.Single(logger.Warnings);
        Assert.Equal(OutpostEventIds.RunObservability + 1, warning.EventId.Id);
        Assert.Equal(0, run.InternalErrors);
    }

    [Fact]
    public void A_clock_that_fails_mid_run_loses_that_fact_the_run_goes_on_and_its_summary_counts_the_fault()
    {
        var time = new ThrowingTimeProvider { Fail = false };
        var logger = new CapturingLogger();
        var run = RunObservabilityRecorder.Start(Identity, time, logger);
        var a = run.BeginAttempt();
        time.Fail = true;
        run.ToolFailed(a, new IOException("boom"));
        time.Fail = false;
        var summary = run.Finalize()!;

        Assert.Equal(1, run.InternalErrors);
        Assert.Equal(RunClassification.Success, summary.Classification);
        Assert.Single(logger.Warnings);

        // The summary reports the fault, so the server can count it (agents have no metrics of their own).
        Assert.Equal(1, summary.InternalErrors);
        Assert.Null(RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created)).Finalize()!.InternalErrors);
    }

    [Fact]
    public void Tool_names_reach_the_summary_only_in_their_safe_form_and_without_a_declared_effect_take_the_spec_table()
    {
        // §6.3, §6.4; the API has no parameter for arguments, output or paths.
        var run = RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created));
        var a = run.BeginAttempt();
        run.ToolInputStarted(a);
        run.ToolInputCompleted(a);
        run.ToolCallMaterialized(a, "https://attacker.example.com/tool");
        run.ToolExecutionStarted(a, "read_file", RunToolEffect.ReadOnly);
        run.ToolCompleted(a);
        run.ToolExecutionStarted(a, "bash");
        run.ToolFailed(a, new IOException("cat /home/me/.aws/credentials: permission denied"));
        var summary = run.Finalize()!;
        var json = Serialize(summary);

        Assert.Contains("\"tool_name\":\"redacted\"", json, StringComparison.Ordinal);
        Assert.Contains("\"tool_name\":\"read_file\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("attacker", json, StringComparison.Ordinal);
        Assert.DoesNotContain("/home", json, StringComparison.Ordinal);
        Assert.DoesNotContain("credentials", json, StringComparison.Ordinal);
        Assert.Equal([ToolEffectKind.LocalProcess], summary.UnsafeSideEffectKinds);
        Assert.False(summary.SideEffectFactsComplete); // the redacted tool's effect is unknown (§6.4)
        Assert.Equal(RunClassification.ToolFailure, summary.Classification);
    }

    [Fact]
    public void An_abandoned_tool_call_is_interrupted_when_it_ran_and_a_pending_part_otherwise()
    {
        // §8.7 steps 2 and 4.
        var run = RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created));
        var a = run.BeginAttempt();
        run.ToolCallMaterialized(a, "read_file", RunToolEffect.ReadOnly);
        run.ToolCallAbandoned(a, executionStarted: false, materialized: true);
        run.ToolCallAbandoned(a, executionStarted: false, materialized: false);
        var pending = run.Finalize()!;
        Assert.Equal(2, pending.PendingToolPartsInterrupted);
        Assert.Null(pending.Incident);

        run.ToolExecutionStarted(a, "run_command", RunToolEffect.LocalProcess);
        run.ToolCallAbandoned(a, executionStarted: true, materialized: true);
        Assert.Equal(RunCauseCategory.ToolExecutionInterrupted, run.Finalize()!.Incident!.TerminalCause.Category);
    }

    [Fact]
    public void A_stop_with_a_lifecycle_action_is_recorded_with_its_provenance()
    {
        // §8.6, §9: the close carries the action that caused it; never an unknown close when we initiated it.
        var time = new FakeTimeProvider(TestRun.Created);
        var run = RunObservabilityRecorder.Start(Identity, time);
        var a = run.BeginAttempt();
        run.ProviderProgress(a);
        var stop = LifecycleCloseAction.Create(LifecycleKind.TaskStop, time);
        run.ScopeClosed(stop, "task_runner.interrupt", "aborted");
        run.TransportFailure(a, new TaskCanceledException());
        var summary = run.Finalize()!;

        Assert.StartsWith("lifecycle:task_stop:", stop.ActionId, StringComparison.Ordinal);
        Assert.Equal(RunClassification.KnownLifecycleClose, summary.Classification);
        Assert.Equal(stop.ActionId, summary.Lifecycle!.ActionId);
        Assert.Equal(stop.ActionId, summary.Incident!.Provenance.Lifecycle!.ActionId);
        Assert.Null(summary.MissingProvenance);
    }

    [Fact]
    public void Lifecycle_action_ids_are_unique_per_process()
    {
        var time = new FakeTimeProvider(TestRun.Created);
        var ids = Enumerable.Range(0, 50).Select(_ => LifecycleCloseAction.Create(LifecycleKind.AgentShutdown, time).ActionId).ToList();

        Assert.Equal(50, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.StartsWith("lifecycle:agent_shutdown:", id, StringComparison.Ordinal));
    }

    [Fact]
    public void A_setup_failure_of_a_429_is_recorded_with_its_status_code()
    {
        var run = RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created));
        run.BeginAttempt();
        run.SetupFailure(new HttpRequestException("Too Many Requests", null, System.Net.HttpStatusCode.TooManyRequests));
        var summary = run.Finalize()!;

        Assert.Equal("request_setup_failure.request_setup_failed", summary.SummaryKey);
        Assert.Equal("http_status_429", summary.Incident!.TerminalCause.Error!.CauseCode);
    }

    [Fact]
    public void A_connection_reset_after_output_is_a_socket_closed_disconnect()
    {
        var run = RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created));
        var a = run.BeginAttempt();
        run.ProviderProgress(a);
        run.VisibleOutput(a);
        run.TransportFailure(a, new HttpRequestException("copy", new IOException("reset", new SocketException((int)SocketError.ConnectionReset))));
        var summary = run.Finalize()!;

        Assert.Equal("external_stream_disconnect.provider_progress_socket_closed", summary.SummaryKey);
        Assert.Equal(TransportBoundary.SdkTransport, summary.Incident!.TerminalCause.Boundary);
    }

    [Fact]
    public void The_summary_serializes_with_the_spec_wire_names_and_leaves_absent_fields_out()
    {
        // Appendix A: snake_case strings, nulls omitted.
        var run = RunObservabilityRecorder.Start(Identity, new FakeTimeProvider(TestRun.Created));
        var a = run.BeginAttempt();
        run.TransportFailure(a, new HttpIOException(HttpRequestError.ResponseEnded));
        var json = Serialize(run.Finalize()!);

        Assert.Contains("\"schema_version\":1", json, StringComparison.Ordinal);
        Assert.Contains("\"classification\":\"external_stream_disconnect\"", json, StringComparison.Ordinal);
        Assert.Contains("\"recommendation\":\"candidate_safe_auto_retry\"", json, StringComparison.Ordinal);
        Assert.Contains("\"safety_scope\":\"user_visible_and_tool_side_effects\"", json, StringComparison.Ordinal);
        Assert.Contains("\"recommendation\":\"auto_retry_once\"", json, StringComparison.Ordinal);
        Assert.Contains("\"subcategory\":\"before_first_provider_progress\"", json, StringComparison.Ordinal);
        Assert.Contains("\"boundary\":\"sdk_transport\"", json, StringComparison.Ordinal);
        Assert.Contains("\"event_type\":\"provider_transport_failure\"", json, StringComparison.Ordinal);
        Assert.Contains("\"durations_ms\":{\"total\":0,\"last_event_to_failure\":0}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("pending_tool_parts_interrupted", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"lifecycle\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, OutpostJson.Options.GetTypeInfo(typeof(RunObservability)));
        Assert.Equal(json, Serialize((RunObservability)back!));
    }

    private static string Serialize(RunObservability summary) =>
        JsonSerializer.Serialize(summary, RunObservabilityJsonContext.Default.RunObservability);

    private sealed class ThrowingTimeProvider : TimeProvider
    {
        public bool Fail { get; set; } = true;

        public override DateTimeOffset GetUtcNow() => Fail ? throw new InvalidOperationException("clock broke") : TestRun.Created;

        public override long GetTimestamp() => Fail ? throw new InvalidOperationException("clock broke") : 0;
    }
}
