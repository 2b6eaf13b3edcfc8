using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Agent.Tests;

/// <summary>The whole agent against the in-memory server, with real scripts on the real clock.</summary>
public sealed class WorkspaceAgentTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-agent-tests-").FullName;
    private readonly FakeAgentTransport _transport = new();
    private readonly RecordingLogger _log = new();

    [Fact]
    public async Task The_lifecycle_runs_from_starting_to_off_and_every_change_reaches_the_server_with_its_time()
    {
        Serve(TestManifests.Script("hello", "echo hello from $OUTPOST_WORKSPACE_NAME"), TestManifests.Script("bye", "echo bye", onStart: false));
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();

        var starting = await connection.NextSentAsync<LifecycleMessage>();
        var ready = await connection.NextSentAsync<LifecycleMessage>();
        agent.RequestShutdown();
        var shuttingDown = await connection.NextSentAsync<LifecycleMessage>();
        var off = await connection.NextSentAsync<LifecycleMessage>();

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal(
            [AgentLifecycleState.Starting, AgentLifecycleState.Ready, AgentLifecycleState.ShuttingDown, AgentLifecycleState.Off],
            new[] { starting, ready, shuttingDown, off }.Select(m => m.State));
        Assert.Equal(agent.Lifecycle.History, [starting, ready, shuttingDown, off]);
        Assert.True(starting.ChangedAt <= ready.ChangedAt && ready.ChangedAt <= shuttingDown.ChangedAt && shuttingDown.ChangedAt <= off.ChangedAt);
        Assert.Equal(["hello from dev", "bye"], _transport.Logs.Select(l => l.Output));
        Assert.Equal("agent shutting down", await connection.ClosedByAgent);
        var disconnect = Assert.Single(_log.WithId(5007));
        Assert.Equal("server_shutdown", disconnect.Field("disconnect_reason"));
        Assert.Equal("agent", disconnect.Field("disconnect_initiator"));
    }

    [Fact]
    public async Task A_failing_startup_script_is_start_error_and_a_hung_shutdown_script_is_shutdown_timeout()
    {
        Serve(TestManifests.Script("fails", "exit 7"), TestManifests.Script("hangs", "sleep 300", onStart: false, timeoutSeconds: 1));
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();

        Assert.Equal(AgentLifecycleState.Starting, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.StartError, (await connection.NextSentAsync<LifecycleMessage>()).State);
        agent.RequestShutdown();

        Assert.Equal(AgentLifecycleState.ShutdownTimeout, await running.WithTimeout());
        Assert.Equal(AgentLifecycleState.ShuttingDown, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.ShutdownTimeout, (await connection.NextSentAsync<LifecycleMessage>()).State);
    }

    [Fact]
    public async Task A_startup_script_that_outlives_its_timeout_is_start_timeout()
    {
        Serve(TestManifests.Script("slow", "sleep 300", timeoutSeconds: 1));
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();

        Assert.Equal(AgentLifecycleState.Starting, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.StartTimeout, (await connection.NextSentAsync<LifecycleMessage>()).State);
        agent.RequestShutdown();
        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
    }

    [Fact]
    public async Task A_shutdown_message_from_the_server_runs_the_shutdown_scripts_and_ends_off()
    {
        Serve(TestManifests.Script("bye", "echo stopping", onStart: false));
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();
        Assert.Equal(AgentLifecycleState.Starting, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.Ready, (await connection.NextSentAsync<LifecycleMessage>()).State);

        connection.ServerSends(new ShutdownMessage { Reason = AgentApi.WorkspaceStoppedCloseReason, BuildId = Guid.NewGuid() });

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal(AgentLifecycleState.ShuttingDown, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.Off, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(["stopping"], _transport.Logs.Select(l => l.Output));
    }

    [Fact]
    public async Task A_shutdown_during_a_long_startup_script_stops_it_and_still_runs_the_shutdown_scripts()
    {
        Serve(TestManifests.Script("forever", "echo working; sleep 300"), TestManifests.Script("bye", "echo bye", onStart: false));
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();
        Assert.Equal(AgentLifecycleState.Starting, (await connection.NextSentAsync<LifecycleMessage>()).State);
        await _log.WaitForIdAsync(5011);

        agent.RequestShutdown();

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal(AgentLifecycleState.ShuttingDown, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Contains(_transport.Logs, l => l.Output == "bye");
    }

    [Fact]
    public async Task The_manifest_is_fetched_again_after_every_reconnect()
    {
        Serve();
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var first = await _transport.NextConnectionAsync();
        await first.NextSentAsync<HeartbeatMessage>();
        _transport.ManifestOutcome = _ => AgentApiResult<AgentManifest>.Ok(TestManifests.Create(_directory) with { HeartbeatIntervalSeconds = 5 });

        first.Break();

        var second = await _transport.NextConnectionAsync();
        await _log.WaitForIdAsync(5017);
        Assert.Equal(2, _transport.ManifestCalls);
        Assert.Equal(5, agent.Manifest!.HeartbeatIntervalSeconds);
        agent.RequestShutdown();
        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal("agent shutting down", await second.ClosedByAgent);
    }

    [Fact]
    public async Task A_rejected_token_is_a_clear_error_retried_with_growing_delays_and_the_agent_still_stops_on_request()
    {
        var clock = new ObservedClock();
        _transport.ManifestOutcome = _ => AgentApiResult<AgentManifest>.Fail(AgentApiFailure.Unauthorized("unknown agent token"));
        var agent = NewAgent(clock);
        var running = agent.RunAsync(CancellationToken.None);

        foreach (var ms in new[] { 100, 200, 400, 800 })
        {
            await clock.PassAsync(TimeSpan.FromMilliseconds(ms));
        }

        var errors = await _log.WaitForIdAsync(5004, 5);
        agent.RequestShutdown();

        Assert.Equal(AgentLifecycleState.Created, await running.WithTimeout());
        Assert.Equal(["100", "200", "400", "800", "1600"], _log.WithId(5004).Select(e => e.Field("DelayMs")));
        Assert.Contains("OUTPOST_AGENT_TOKEN", errors.Message, StringComparison.Ordinal);
        Assert.Equal(0, _transport.ConnectAttempts);
        Assert.Empty(_log.WithId(5007));
    }

    [Fact]
    public async Task A_signal_waits_for_the_servers_stop_message_so_the_close_is_the_workspace_stop_not_the_agents_shutdown()
    {
        var (agent, running, connection) = await ReadyAsync();

        // The provisioner's SIGTERM overtakes the server's message about the stop build that sent it.
        agent.RequestShutdownOnSignal();
        connection.ServerSends(new ShutdownMessage { Reason = AgentApi.WorkspaceStoppedCloseReason, BuildId = Guid.NewGuid(), Transition = Sdk.Provisioning.WorkspaceTransition.Stop });

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal(Sdk.Tasks.LifecycleKind.WorkspaceStop, agent.ClosingAction!.Kind);
        Assert.Empty(_log.WithId(5071));
    }

    [Fact]
    public async Task A_signal_with_no_stop_message_shuts_the_agent_down_as_its_own_shutdown_after_the_bounded_wait()
    {
        var (agent, running, _) = await ReadyAsync();
        agent.RequestShutdownOnSignal();

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal(Sdk.Tasks.LifecycleKind.AgentShutdown, agent.ClosingAction!.Kind);
        Assert.Equal("3000", Assert.Single(_log.WithId(5071)).Field("WaitMs"));
    }

    /// <summary>An agent with no scripts, connected and ready.</summary>
    private async Task<(WorkspaceAgent Agent, Task<AgentLifecycleState> Running, FakeConnection Connection)> ReadyAsync()
    {
        Serve();
        var agent = NewAgent();
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();
        await connection.NextSentAsync<LifecycleMessage>();
        Assert.Equal(AgentLifecycleState.Ready, (await connection.NextSentAsync<LifecycleMessage>()).State);
        return (agent, running, connection);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void Serve(params Sdk.Provisioning.AgentScript[] scripts) =>
        _transport.ManifestOutcome = _ => AgentApiResult<AgentManifest>.Ok(TestManifests.Create(_directory, scripts));

    private WorkspaceAgent NewAgent(TimeProvider? time = null) => new(
        new AgentOptions
        {
            ServerUrl = new Uri("http://127.0.0.1:1"),
            Time = time ?? TimeProvider.System,
            ManifestBackoff = new ControlPlane.Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random: static () => 0.5),
        },
        _transport,
        _log);
}
