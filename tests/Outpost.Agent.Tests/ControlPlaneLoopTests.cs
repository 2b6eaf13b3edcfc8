using Microsoft.Extensions.Logging;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Agent.Tests;

public sealed class ControlPlaneLoopTests
{
    private static readonly TimeSpan[] ExpectedBackoff =
        [.. new[] { 100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    [Fact]
    public async Task A_first_attempt_that_never_connects_logs_no_disconnect_and_backs_off_from_100_ms_to_10_s()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Transport.ConnectOutcome = _ => new AgentApiFailure(AgentApiFailureKind.Unreachable, "connection refused");
        harness.Start();

        foreach (var delay in ExpectedBackoff)
        {
            await harness.Clock.PassAsync(delay);
        }

        await harness.Log.WaitForIdAsync(ControlPlaneHarness.ConnectFailedId, ExpectedBackoff.Length + 1);
        var delays = harness.Log.WithId(ControlPlaneHarness.ConnectFailedId).Take(ExpectedBackoff.Length).Select(e => e.Field("DelayMs"));
        Assert.Equal(ExpectedBackoff.Select(d => ((long)d.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)), delays);
        Assert.Empty(harness.Log.WithId(ControlPlaneHarness.DisconnectedId));
        Assert.Empty(harness.Log.WithId(ControlPlaneHarness.ConnectedId));
    }

    [Fact]
    public async Task A_rejected_token_is_a_clear_error_that_keeps_retrying_at_the_capped_backoff()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Transport.ConnectOutcome = _ => AgentApiFailure.Unauthorized("agent token not found");
        harness.Start();

        foreach (var delay in ExpectedBackoff)
        {
            await harness.Clock.PassAsync(delay);
        }

        var entry = await harness.Log.WaitForIdAsync(ControlPlaneHarness.UnauthorizedId, ExpectedBackoff.Length);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("OUTPOST_AGENT_TOKEN", entry.Message, StringComparison.Ordinal);
        Assert.Contains("agent token not found", entry.Message, StringComparison.Ordinal);
        Assert.Equal("10000", entry.Field("DelayMs"));
        Assert.Equal(ExpectedBackoff.Length + 1, harness.Transport.ConnectAttempts);
        Assert.Empty(harness.Log.WithId(ControlPlaneHarness.DisconnectedId));
    }

    [Fact]
    public async Task A_broken_stream_is_a_network_error_by_the_network_and_the_agent_reconnects()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var first = await harness.Transport.NextConnectionAsync();
        await first.NextSentAsync<HeartbeatMessage>();

        first.Break("read: connection reset by peer");

        var disconnect = await harness.Log.WaitForIdAsync(ControlPlaneHarness.DisconnectedId);
        AssertDisconnect(disconnect, "network_error", "network", expected: false);
        Assert.Equal(LogLevel.Warning, disconnect.Level);
        Assert.Contains("connection reset by peer", disconnect.Field("disconnect_detail"), StringComparison.Ordinal);

        await harness.Clock.PassAsync(TimeSpan.FromMilliseconds(100));
        var second = await harness.Transport.NextConnectionAsync();
        await second.NextSentAsync<HeartbeatMessage>();
        Assert.Equal(2, harness.Loop.Connections);
        Assert.Equal([2], harness.Reconnects);
    }

    [Fact]
    public async Task A_server_that_shuts_down_gracefully_is_recorded_as_server_shutdown_by_the_server()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();

        connection.ServerCloses(1001, AgentApi.ServerShutdownCloseReason);

        var disconnect = await harness.Log.WaitForIdAsync(ControlPlaneHarness.DisconnectedId);
        AssertDisconnect(disconnect, "server_shutdown", "server", expected: true);
        Assert.Equal(LogLevel.Information, disconnect.Level);
        Assert.Contains("1001", disconnect.Field("disconnect_detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clean_close_by_the_server_is_graceful_by_the_server()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();

        connection.ServerCloses(1000, null);

        AssertDisconnect(await harness.Log.WaitForIdAsync(ControlPlaneHarness.DisconnectedId), "graceful", "server", expected: true);
    }

    [Fact]
    public async Task A_workspace_stopped_close_is_recorded_as_workspace_stopped_by_the_server()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();

        connection.ServerCloses(1000, AgentApi.WorkspaceStoppedCloseReason);

        AssertDisconnect(await harness.Log.WaitForIdAsync(ControlPlaneHarness.DisconnectedId), "workspace_stopped", "server", expected: true);
    }

    [Fact]
    public async Task A_local_shutdown_closes_the_connection_and_is_server_shutdown_by_the_agent()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();
        await connection.NextSentAsync<HeartbeatMessage>();

        await harness.StopAsync();

        Assert.Equal("agent shutting down", await connection.ClosedByAgent);
        var disconnect = Assert.Single(harness.Log.WithId(ControlPlaneHarness.DisconnectedId));
        AssertDisconnect(disconnect, "server_shutdown", "agent", expected: true);
        Assert.Equal(string.Empty, disconnect.Field("disconnect_detail"));
    }

    [Fact]
    public async Task A_local_shutdown_stays_server_shutdown_by_the_agent_when_the_close_times_out()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();
        connection.AnswersClose = false;
        await connection.NextSentAsync<HeartbeatMessage>();

        var stopping = harness.StopAsync();
        await connection.ClosedByAgent;
        await harness.Clock.PassAsync(ControlPlaneHarness.Options.CloseTimeout);
        await stopping;

        var disconnect = Assert.Single(harness.Log.WithId(ControlPlaneHarness.DisconnectedId));
        AssertDisconnect(disconnect, "server_shutdown", "agent", expected: true);
        Assert.Contains("did not answer the close", disconnect.Field("disconnect_detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frame_that_is_not_a_control_message_is_a_protocol_error_and_the_agent_closes()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();

        connection.ServerSendsGarbage("unreadable control message: '<' is an invalid start of a value");

        var disconnect = await harness.Log.WaitForIdAsync(ControlPlaneHarness.DisconnectedId);
        AssertDisconnect(disconnect, "protocol_error", "agent", expected: false);
        Assert.Equal("protocol_error", await connection.ClosedByAgent);
    }

    [Fact]
    public async Task Connections_the_server_drops_at_once_keep_growing_the_backoff()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();

        foreach (var delay in ExpectedBackoff.Take(5))
        {
            var connection = await harness.Transport.NextConnectionAsync();
            connection.ServerCloses(1000, null);
            await harness.Clock.PassAsync(delay);
        }

        await harness.Transport.NextConnectionAsync();
        Assert.Equal(5, harness.Log.WithId(ControlPlaneHarness.DisconnectedId).Count);
    }

    [Fact]
    public async Task A_connection_that_lasted_resets_the_backoff()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Transport.ConnectOutcome = attempt => attempt <= 3 ? new AgentApiFailure(AgentApiFailureKind.Unreachable, "refused") : null;
        harness.Start();
        foreach (var delay in ExpectedBackoff.Take(3))
        {
            await harness.Clock.PassAsync(delay);
        }

        var connection = await harness.Transport.NextConnectionAsync();
        harness.Clock.Advance(ControlPlaneHarness.Options.StableAfter);
        connection.Break();

        await harness.Clock.PassAsync(TimeSpan.FromMilliseconds(100));
        await harness.Transport.NextConnectionAsync();
    }

    [Fact]
    public async Task Lifecycle_changes_made_while_disconnected_are_sent_after_reconnecting_with_their_original_times()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var first = await harness.Transport.NextConnectionAsync();
        first.Break();
        await harness.Clock.WaitForTimerAsync(TimeSpan.FromMilliseconds(100));

        var starting = harness.Lifecycle.Set(AgentLifecycleState.Starting);
        harness.Clock.Advance(TimeSpan.FromMilliseconds(40));
        var ready = harness.Lifecycle.Set(AgentLifecycleState.Ready);
        harness.Clock.Advance(TimeSpan.FromMilliseconds(60));

        var second = await harness.Transport.NextConnectionAsync();
        Assert.Equal(starting, await second.NextSentAsync<LifecycleMessage>());
        Assert.Equal(ready, await second.NextSentAsync<LifecycleMessage>());
        Assert.NotEqual(starting.ChangedAt, ready.ChangedAt);
        await harness.Lifecycle.WhenSentAsync(CancellationToken.None).WithTimeout();
        Assert.Equal(0, harness.Lifecycle.PendingCount);
    }

    [Fact]
    public async Task Heartbeats_follow_the_interval_and_stats_follow_theirs()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();
        var connectedAt = harness.Clock.GetUtcNow();
        Assert.Equal(connectedAt, (await connection.NextSentAsync<HeartbeatMessage>()).SentAt);

        await harness.Clock.PassAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(connectedAt.AddSeconds(10), (await connection.NextSentAsync<HeartbeatMessage>()).SentAt);

        await harness.Clock.WaitForTimerAsync(TimeSpan.FromSeconds(30));
        harness.Clock.Advance(TimeSpan.FromSeconds(20));
        var stats = await connection.NextSentAsync<StatsMessage>();
        Assert.Equal(connectedAt.AddSeconds(30), stats.CollectedAt);
        Assert.Equal(1234, stats.MemoryBytes);
    }

    [Fact]
    public async Task Periodic_messages_start_at_the_connections_phase_then_keep_their_interval()
    {
        // Agents connected together must not heartbeat in phase for as long as they stay connected.
        await using var harness = new ControlPlaneHarness(ControlPlaneHarness.Options with { PeriodicPhase = static () => 0.25 });
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();
        var connectedAt = harness.Clock.GetUtcNow();
        Assert.Equal(connectedAt, (await connection.NextSentAsync<HeartbeatMessage>()).SentAt);

        // The heartbeat timer first falls due at a quarter of its 10 s interval, the stats timer at a quarter of 30 s.
        await harness.Clock.WaitForTimerAsync(TimeSpan.FromSeconds(7.5));
        await harness.Clock.PassAsync(TimeSpan.FromSeconds(2.5));
        Assert.Equal(connectedAt.AddSeconds(2.5), (await connection.NextSentAsync<HeartbeatMessage>()).SentAt);
        harness.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(connectedAt.AddSeconds(7.5), (await connection.NextSentAsync<StatsMessage>()).CollectedAt);
        harness.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(connectedAt.AddSeconds(12.5), (await connection.NextSentAsync<HeartbeatMessage>()).SentAt);
    }

    [Fact]
    public async Task A_shutdown_message_from_the_server_reaches_the_agent()
    {
        await using var harness = new ControlPlaneHarness();
        harness.Start();
        var connection = await harness.Transport.NextConnectionAsync();
        var buildId = Guid.NewGuid();

        connection.ServerSends(new ShutdownMessage { Reason = "workspace_stopped", BuildId = buildId, Transition = Sdk.Provisioning.WorkspaceTransition.Stop });

        var entry = await harness.Log.WaitForIdAsync(5009);
        Assert.Equal(buildId.ToString(), entry.Field("BuildId"));
        var shutdown = Assert.Single(harness.Shutdowns);
        Assert.Equal(buildId, shutdown.BuildId);
        Assert.Empty(harness.Log.WithId(ControlPlaneHarness.DisconnectedId));
    }

    private static void AssertDisconnect(LogEntry entry, string reason, string initiator, bool expected)
    {
        Assert.Equal("server_to_agent", entry.Field("connect_type"));
        Assert.Equal(reason, entry.Field("disconnect_reason"));
        Assert.Equal(initiator, entry.Field("disconnect_initiator"));
        Assert.Equal(expected, entry.Fields["disconnect_expected"]);
        Assert.True(entry.Fields.ContainsKey("disconnect_detail"));
        Assert.StartsWith("Disconnected from the control plane", entry.Message, StringComparison.Ordinal);
    }
}
