using Outpost.Agent.Tasks;
using Outpost.Agent.Tasks.Tools;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

/// <summary>
/// A task agent that starts on a task that already ran resumes from the server's conversation instead of running the
/// prompt again; and a run in which the model calls <c>task_complete</c> ends the task completed.
/// </summary>
public sealed class TaskResumeTests : IAsyncLifetime
{
    private const string Key = "sk-task-resume-key-0123456789";
    private readonly TempWorkspace _workspace = new();
    private readonly RecordingLogger _logger = new();
    private readonly CancellationTokenSource _shutdown = new();
    private FakeChatProvider _provider = null!;
    private Task? _loop;

    public async Task InitializeAsync() => _provider = await FakeChatProvider.StartAsync(apiKey: Key);

    public async Task DisposeAsync()
    {
        await _shutdown.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WithTimeout();
        }

        await _provider.DisposeAsync();
        _workspace.Dispose();
        _shutdown.Dispose();
    }

    [Fact]
    public async Task A_restarted_agent_rebuilds_the_conversation_and_runs_only_the_follow_up_it_had_not_answered()
    {
        var channel = new InMemoryTaskChannel("Write hello.txt");
        var earlier = (await channel.AppendMessagesAsync(
        [
            new NewTaskMessage { Kind = TaskMessageKind.Assistant, Content = "I will write it." },
            new NewTaskMessage { Kind = TaskMessageKind.ToolCall, ToolName = "write_file", Content = "hello.txt (6 characters)" },
            new NewTaskMessage { Kind = TaskMessageKind.ToolResult, ToolName = "write_file", Content = "created hello.txt (6 characters)" },
            new NewTaskMessage { Kind = TaskMessageKind.Assistant, Content = "Done." },
        ], CancellationToken.None)).Value!.Messages;
        channel.Conversation = new AgentTaskConversation
        {
            Messages = [channel.Messages[0], .. earlier],
            ResumeAfter = earlier[^1].Sequence,
            LastStatus = AiTaskStatus.Idle,
        };
        channel.Send("Now delete it");
        _provider.Enqueue(FakeTurn.Text("Deleted."));

        Start(channel);
        await channel.WaitForStatusAsync(AiTaskStatus.Idle, count: 2);

        // One request: the follow-up, after the conversation so far; the prompt was not run again.
        var request = Assert.Single(_provider.Requests);
        Assert.Equal(["system", "user", "assistant", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal("Write hello.txt", request.Messages[1].Content);
        Assert.Equal("I will write it.\n[called write_file: hello.txt (6 characters)]\n[write_file answered: created hello.txt (6 characters)]\nDone.", request.Messages[2].Content);
        Assert.Equal("Now delete it", request.Last.Content);
        Assert.Equal([AiTaskStatus.Idle, AiTaskStatus.Working, AiTaskStatus.Idle], channel.Statuses.Select(s => s.Status));
        Assert.Equal("the agent restarted; waiting for a message", channel.Statuses[0].Reason);
    }

    [Fact]
    public async Task A_restarted_agent_with_nothing_new_asks_the_model_nothing_and_keeps_a_completed_task_completed()
    {
        var channel = new InMemoryTaskChannel("Fix the build");
        var answer = (await channel.AppendMessagesAsync([new NewTaskMessage { Kind = TaskMessageKind.Assistant, Content = "Fixed." }], CancellationToken.None)).Value!.Messages;
        channel.Conversation = new AgentTaskConversation
        {
            Messages = [channel.Messages[0], .. answer],
            ResumeAfter = answer[0].Sequence,
            LastStatus = AiTaskStatus.Completed,
            LastReason = "The build passes again",
        };

        Start(channel);
        var completed = await channel.WaitForStatusAsync(AiTaskStatus.Completed);

        Assert.Equal("The build passes again", completed.Reason);
        Assert.Empty(_provider.Requests);
        Assert.Single(_logger.WithId(5080));
    }

    [Fact]
    public void A_truncated_conversation_says_so_after_the_prompt()
    {
        var at = DateTimeOffset.UnixEpoch;
        var chat = TaskConversationRebuild.ToChat(
        [
            new TaskMessage { Sequence = 1, Kind = TaskMessageKind.User, Content = "the prompt", CreatedAt = at },
            new TaskMessage { Sequence = 40, Kind = TaskMessageKind.Status, Content = "Run failed: the provider answered 500", CreatedAt = at },
            new TaskMessage { Sequence = 41, Kind = TaskMessageKind.User, Content = "again", CreatedAt = at },
            new TaskMessage { Sequence = 42, Kind = TaskMessageKind.Assistant, Content = "OK.", CreatedAt = at },
        ], truncated: true);

        Assert.Equal(
            [("user", "the prompt"), ("assistant", TaskConversationRebuild.TruncatedNote), ("assistant", "[Run failed: the provider answered 500]"), ("user", "again"), ("assistant", "OK.")],
            chat.Select(m => (m.Role, m.Content)));
    }

    [Fact]
    public async Task A_run_in_which_the_model_calls_task_complete_ends_completed_and_a_follow_up_runs_again()
    {
        _provider.Enqueue(
            FakeTurn.ToolCall("task_complete", """{"summary":"hello.txt is written"}""", pieces: 2),
            FakeTurn.Text("All done."));
        var channel = new InMemoryTaskChannel("Write hello.txt");
        Start(channel);

        var completed = await channel.WaitForStatusAsync(AiTaskStatus.Completed);

        Assert.Equal("hello.txt is written", completed.Reason);
        Assert.Equal([AiTaskStatus.Working, AiTaskStatus.Completed], channel.Statuses.Select(s => s.Status));
        Assert.Contains(channel.Messages, m => m is { Kind: TaskMessageKind.Status, Content: "Run completed: hello.txt is written" });
        Assert.Contains("task_complete", _provider.Requests[0].ToolNames);
        Assert.StartsWith("recorded:", _provider.Requests[1].Last.Content, StringComparison.Ordinal);

        // A follow-up is a new run; without task_complete it ends idle.
        _provider.Enqueue(FakeTurn.Text("Sure."));
        channel.Send("One more thing");
        await channel.WaitForStatusAsync(AiTaskStatus.Idle);
        Assert.Equal([AiTaskStatus.Working, AiTaskStatus.Completed, AiTaskStatus.Working, AiTaskStatus.Idle], channel.Statuses.Select(s => s.Status));
    }

    [Fact]
    public async Task Task_complete_without_a_summary_is_refused_and_the_run_ends_idle()
    {
        _provider.Enqueue(FakeTurn.ToolCall("task_complete", "{}"), FakeTurn.Text("Hm."));
        var channel = new InMemoryTaskChannel("Do it");
        Start(channel);

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.StartsWith("error:", _provider.Requests[1].Last.Content, StringComparison.Ordinal);
        Assert.DoesNotContain(channel.Statuses, s => s.Status == AiTaskStatus.Completed);
    }

    private void Start(InMemoryTaskChannel channel)
    {
        var environment = new Dictionary<string, string>
        {
            [TaskApi.AgentTaskIdVariable] = channel.Task.Id.ToString(),
            [TaskApi.ModelUrlVariable] = _provider.BaseUrl.ToString(),
            [TaskApi.ModelVariable] = "test-model",
            [TaskApi.DefaultApiKeyVariable] = Key,
        };
        var settings = TaskAgentSettings.From(environment)!;
        var context = new ToolContext { Workspace = _workspace.Directory };
        _loop = new TaskRunner(settings, channel, context, new TaskLimits(), TimeProvider.System, _logger).RunAsync(_shutdown.Token);
    }
}
