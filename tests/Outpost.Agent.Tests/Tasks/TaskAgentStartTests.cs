using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

/// <summary>The workspace agent starts the coding loop for a task workspace and stops it with the workspace.</summary>
public sealed class TaskAgentStartTests : IAsyncLifetime
{
    private const string Key = "sk-agent-start-key-42";
    private readonly TempWorkspace _workspace = new();
    private readonly FakeAgentTransport _transport = new();
    private readonly RecordingLogger _log = new();
    private FakeChatProvider _provider = null!;

    public async Task InitializeAsync() => _provider = await FakeChatProvider.StartAsync(apiKey: Key);

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _workspace.Dispose();
    }

    [Fact]
    public async Task A_task_workspaces_agent_runs_the_prompt_in_its_directory_and_a_stopping_workspace_stops_the_run()
    {
        var channel = new InMemoryTaskChannel("Make a file, then wait");
        Guid? askedFor = null;
        Serve(new Dictionary<string, string>
        {
            [TaskApi.AgentTaskIdVariable] = channel.Task.Id.ToString(),
            [TaskApi.ModelUrlVariable] = _provider.BaseUrl.ToString(),
            [TaskApi.ModelVariable] = "test-model",
            [TaskApi.DefaultApiKeyVariable] = Key,
        });
        _provider.Enqueue(
            FakeTurn.ToolCall("write_file", """{"path":"made.txt","content":"made"}"""),
            FakeTurn.ToolCall("run_command", """{"command":"touch waiting; sleep 300"}"""));
        var agent = NewAgent(id => { askedFor = id; return channel; });
        var running = agent.RunAsync(CancellationToken.None);

        await FileAppearance.WaitAsync(_workspace.File("waiting"));
        Assert.Equal("made", File.ReadAllText(_workspace.File("made.txt")));
        agent.RequestShutdown();

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.Equal(channel.Task.Id, askedFor);
        Assert.Equal((AiTaskStatus.Stopped, "the workspace is stopping"), (channel.Statuses[^1].Status, channel.Statuses[^1].Reason));
    }

    [Fact]
    public async Task A_workspace_without_a_task_starts_no_loop()
    {
        Serve(new Dictionary<string, string> { [TaskApi.DefaultApiKeyVariable] = Key });
        var asked = false;
        var agent = NewAgent(_ => { asked = true; return new InMemoryTaskChannel("unused"); });
        var running = agent.RunAsync(CancellationToken.None);
        var connection = await _transport.NextConnectionAsync();
        Assert.Equal(AgentLifecycleState.Starting, (await connection.NextSentAsync<LifecycleMessage>()).State);
        Assert.Equal(AgentLifecycleState.Ready, (await connection.NextSentAsync<LifecycleMessage>()).State);

        agent.RequestShutdown();

        Assert.Equal(AgentLifecycleState.Off, await running.WithTimeout());
        Assert.False(asked);
        Assert.Empty(_provider.Requests);
    }

    private void Serve(Dictionary<string, string> environment) =>
        _transport.ManifestOutcome = _ => AgentApiResult<AgentManifest>.Ok(TestManifests.Create(_workspace.Path, environment: environment));

    private WorkspaceAgent NewAgent(Func<Guid, Agent.Tasks.ITaskChannel> channel) => new(
        new AgentOptions { ServerUrl = new Uri("http://127.0.0.1:1"), TaskChannel = channel },
        _transport,
        _log);
}
