using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Reinit;

/// <summary>A restart for a claim ends the run without shutdown scripts; the next agent fetches the new owner's manifest and runs the startup scripts again.</summary>
public sealed class AgentRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-agent-restart-").FullName;
    private readonly FakeAgentTransport _transport = new();
    private readonly RecordingLogger _log = new();

    private WorkspaceAgent NewAgent() => new(new AgentOptions { ServerUrl = new Uri("http://127.0.0.1:1") }, _transport, _log);

    [Fact]
    public async Task A_restart_runs_no_shutdown_script_and_the_next_agent_runs_the_startup_scripts_as_the_new_owner()
    {
        var owner = "prebuilds";
        _transport.ManifestOutcome = _ => AgentApiResult<AgentManifest>.Ok(TestManifests.Create(_directory,
            [TestManifests.Script("hello", "echo hello $OUTPOST_WORKSPACE_OWNER"), TestManifests.Script("bye", "echo bye", onStart: false)]) with { OwnerName = owner });
        var first = NewAgent();
        var running = first.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();
        Assert.Equal(AgentLifecycleState.Starting, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.Ready, (await connection.NextSentAsync<LifecycleMessage>()).State);

        owner = "alice";
        first.RequestRestart();
        Assert.Equal(AgentLifecycleState.Ready, await running.WithTimeout());
        Assert.DoesNotContain(first.Lifecycle.History, m => m.State is AgentLifecycleState.ShuttingDown or AgentLifecycleState.Off);

        var second = NewAgent();
        var again = second.RunAsync(CancellationToken.None);
        var reconnection = await _transport.NextConnectionAsync();
        Assert.Equal(AgentLifecycleState.Starting, (await reconnection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.Ready, (await reconnection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal("alice", second.Manifest!.OwnerName);
        second.RequestShutdown();
        Assert.Equal(AgentLifecycleState.Off, await again.WithTimeout());
        Assert.Equal(["hello prebuilds", "hello alice", "bye"], _transport.Logs.Select(l => l.Output));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
