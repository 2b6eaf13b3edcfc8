using Outpost.Telemetry.Workspaces;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class WorkspaceStateTelemetryTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void The_first_observation_is_from_none_without_an_observed_duration()
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new WorkspaceStateTelemetry(service, _clock, "owner/dev");

        tracker.Observe("running", "start", "initiator");

        var e = Assert.Single(sink.Events);
        Assert.Equal("workspace.state_transitioned", e.EventName);
        Assert.Equal("none", e.Properties["from"]);
        Assert.Equal("running", e.Properties["to"]);
        Assert.Equal("start", e.Properties["transition"]);
        Assert.Equal("initiator", e.Properties["reason"]);
        Assert.Equal("owner/dev", e.Properties["workspaceName"]);
        Assert.False(e.Measurements.ContainsKey("observedDurationMs"));
    }

    [Fact]
    public void Duplicates_emit_nothing_and_do_not_move_the_observed_time()
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new WorkspaceStateTelemetry(service, _clock, "owner/dev");
        tracker.Observe("stopped", "stop", "initiator");
        _clock.Advance(TimeSpan.FromSeconds(3));

        Assert.False(tracker.Observe("stopped", "stop", "initiator"));
        _clock.Advance(TimeSpan.FromSeconds(2));
        tracker.Observe("pending", "start", "cli");

        Assert.Equal(2, sink.Events.Count);
        Assert.Equal(5000, sink.Events[1].Measurements["observedDurationMs"]);
    }

    [Fact]
    public void A_reason_only_change_is_emitted()
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new WorkspaceStateTelemetry(service, _clock, "owner/dev");

        tracker.Observe("running", "start", "initiator");
        Assert.True(tracker.Observe("running", "start", "autostart"));

        Assert.Equal(2, sink.Events.Count);
        Assert.Equal("running", sink.Events[1].Properties["from"]);
    }

    [Fact]
    public void The_build_duration_spans_every_provisioning_status_from_the_first()
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new WorkspaceStateTelemetry(service, _clock, "owner/dev");
        tracker.Observe("stopped", "stop", "initiator");
        _clock.Advance(TimeSpan.FromSeconds(1));
        tracker.Observe("pending", "start", "cli");
        _clock.Advance(TimeSpan.FromSeconds(4));
        tracker.Observe("starting", "start", "cli");
        _clock.Advance(TimeSpan.FromSeconds(6));
        tracker.Observe("running", "start", "cli");

        var events = sink.Events;
        Assert.Equal(["none", "stopped", "pending", "starting"], events.Select(e => e.Properties["from"]));
        Assert.False(events[2].Measurements.ContainsKey("observedBuildDurationMs"));
        Assert.Equal(6000, events[3].Measurements["observedDurationMs"]);
        Assert.Equal(10_000, events[3].Measurements["observedBuildDurationMs"]);
    }

    [Fact]
    public void A_settled_status_after_a_settled_status_has_no_build_duration()
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new WorkspaceStateTelemetry(service, _clock, "owner/dev");
        tracker.Observe("running", "start", "cli");
        _clock.Advance(TimeSpan.FromSeconds(1));
        tracker.Observe("failed", "stop", "cli");

        Assert.False(sink.Events[1].Measurements.ContainsKey("observedBuildDurationMs"));
    }

    [Theory]
    [InlineData("canceling")]
    [InlineData("deleting")]
    [InlineData("stopping")]
    public void Canceling_deleting_and_stopping_count_as_provisioning(string status)
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new WorkspaceStateTelemetry(service, _clock, "owner/dev");
        tracker.Observe(status, "stop", "cli");
        _clock.Advance(TimeSpan.FromSeconds(2));
        tracker.Observe("stopped", "stop", "cli");

        Assert.Equal(2000, sink.Events[1].Measurements["observedBuildDurationMs"]);
    }

    [Fact]
    public void Agent_transitions_dedupe_on_status_and_lifecycle_and_reset_starts_from_none()
    {
        var (service, sink) = MemorySink.Create(_clock);
        var tracker = new AgentStateTelemetry(service, _clock, "owner/dev");
        tracker.Observe("main", "connecting", "created");
        _clock.Advance(TimeSpan.FromMilliseconds(1500));
        tracker.Observe("main", "connected", "starting");
        Assert.False(tracker.Observe("main", "connected", "starting"));
        tracker.Reset();
        tracker.Observe("main", "connected", "starting");

        var events = sink.Events;
        Assert.Equal(3, events.Count);
        Assert.Equal(["none", "connecting", "none"], events.Select(e => e.Properties["fromStatus"]));
        Assert.Equal(["created", "starting", "starting"], events.Select(e => e.Properties["toLifecycleState"]));
        Assert.Equal(1500, events[1].Measurements["observedDurationMs"]);
        Assert.False(events[2].Measurements.ContainsKey("observedDurationMs"));
        Assert.All(events, e => Assert.Equal("main", e.Properties["agentName"]));
    }

    [Fact]
    public async Task Start_and_update_spans_carry_the_workspace_name_and_rethrow()
    {
        var (service, sink) = MemorySink.Create(_clock);

        await WorkspaceOperationTelemetry.TraceStartAsync(service, "owner/dev", _ => Task.FromResult(1), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => WorkspaceOperationTelemetry.TraceUpdateAsync<int>(service, "owner/dev",
            _ => throw new InvalidOperationException("template gone"), CancellationToken.None));

        Assert.Equal(["workspace.start.triggered", "workspace.update.triggered"], sink.Events.Select(e => e.EventName));
        Assert.Equal(["success", "error"], sink.Events.Select(e => e.Properties["result"]));
        Assert.All(sink.Events, e => Assert.Equal("owner/dev", e.Properties["workspaceName"]));
        Assert.Equal("template gone", sink.Events[1].Error!.Message);
    }
}
