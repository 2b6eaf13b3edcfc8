using Outpost.Agent.Tasks;
using Outpost.Agent.Tasks.Tools;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

/// <summary>The coding loop end to end: the fake provider at the model boundary, real tools in a temp workspace, an in-memory task server.</summary>
public sealed class TaskRunnerTests : IAsyncLifetime
{
    private const string Key = "sk-task-test-key-0123456789";
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
    public async Task The_model_writes_a_file_and_runs_a_command_in_the_workspace_then_answers_and_a_follow_up_continues()
    {
        _provider.Enqueue(
            FakeTurn.Text("I will write ", "the script.").ThenToolCall("write_file", """{"path":"hello.sh","content":"echo hello from the task\n"}""", pieces: 4),
            FakeTurn.ToolCall("run_command", """{"command":"sh hello.sh > out.txt && cat out.txt"}""", pieces: 3),
            FakeTurn.Text("The ", "script ", "printed ", "hello."));
        var channel = Start("Write hello.sh and run it", FlushedBySizeAndTurn);

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.Equal("echo hello from the task\n", File.ReadAllText(_workspace.File("hello.sh")));
        Assert.Equal("hello from the task\n", File.ReadAllText(_workspace.File("out.txt")));
        Assert.Equal([AiTaskStatus.Working, AiTaskStatus.Idle], channel.Statuses.Select(s => s.Status));
        Assert.Collection(channel.Messages,
            m => Assert.Equal((TaskMessageKind.User, "Write hello.sh and run it"), (m.Kind, m.Content)),
            m => Assert.Equal((TaskMessageKind.Assistant, "I will write the script."), (m.Kind, m.Content)),
            m => Assert.Equal((TaskMessageKind.ToolCall, "write_file", "hello.sh (25 characters)"), (m.Kind, m.ToolName, m.Content)),
            m => Assert.Equal((TaskMessageKind.ToolResult, "write_file", "created hello.sh (25 characters)"), (m.Kind, m.ToolName, m.Content)),
            m => Assert.Equal((TaskMessageKind.ToolCall, "run_command", "sh hello.sh > out.txt && cat out.txt"), (m.Kind, m.ToolName, m.Content)),
            m => Assert.Equal((TaskMessageKind.ToolResult, "run_command", "exit code 0\nhello from the task\n"), (m.Kind, m.ToolName, m.Content)),
            m => Assert.Equal((TaskMessageKind.Assistant, "The script printed hello."), (m.Kind, m.Content)));

        // Each request carries the conversation so far: the call ids the model gave, answered by the tools' results.
        var requests = _provider.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Equal(["system", "user"], requests[0].Messages.Select(m => m.Role));
        Assert.Equal(["read_file", "list_directory", "search_files", "write_file", "edit_file", "run_command", "task_complete"], requests[0].ToolNames);
        var write = Assert.Single(requests[1].Messages[2].ToolCalls);
        Assert.Equal(("write_file", """{"path":"hello.sh","content":"echo hello from the task\n"}"""), (write.Name, write.Arguments));
        Assert.Equal(write.Id, requests[1].Last.ToolCallId);
        Assert.Equal("exit code 0\nhello from the task\n", requests[2].Last.Content);

        _provider.Enqueue(FakeTurn.Text("Bye."));
        channel.Send("Now say bye");
        await channel.WaitForStatusAsync(AiTaskStatus.Idle, count: 2);

        var followUp = _provider.Requests[3];
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant", "user"], followUp.Messages.Select(m => m.Role));
        Assert.Equal("The script printed hello.", followUp.Messages[6].Content);
        Assert.Equal("Now say bye", followUp.Last.Content);
        Assert.Equal("Bye.", channel.Messages[^1].Content);

        // The key went in the Authorization header and nowhere else.
        Assert.All(_provider.Requests, r => Assert.Equal("Bearer " + Key, r.Authorization));
        Assert.All(_provider.Requests, r => Assert.DoesNotContain(Key, r.Body, StringComparison.Ordinal));
        Assert.DoesNotContain(channel.Messages, m => m.Content.Contains(Key, StringComparison.Ordinal));
        Assert.DoesNotContain(_logger.Entries, e => e.Message.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stop_kills_a_running_command_reports_stopped_and_the_next_message_continues()
    {
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch begun; sleep 300; touch finished"}""", id: "call_long"));
        var channel = Start("Run the long thing");
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        channel.Stop();
        var stopped = await channel.WaitForStatusAsync(AiTaskStatus.Stopped);

        Assert.Equal("stopped by the user", stopped.Reason);
        Assert.False(File.Exists(_workspace.File("finished")));
        Assert.Contains(channel.Messages, m => m.Kind == TaskMessageKind.Status && m.Content == "Run stopped: stopped by the user");

        _provider.Enqueue(FakeTurn.Text("Understood."));
        channel.Send("Never mind");
        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var next = _provider.Requests[^1];
        var interrupted = next.ToolResults.Single();
        Assert.Equal("call_long", interrupted.ToolCallId);
        Assert.StartsWith("interrupted:", interrupted.Content, StringComparison.Ordinal);
        Assert.Equal("Never mind", next.Last.Content);
    }

    [Fact]
    public async Task A_follow_up_sent_before_a_stop_never_runs_and_a_later_one_does()
    {
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch begun; sleep 300"}"""));
        var channel = Start("Run the long thing");
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        channel.Send("Queued behind the run");
        channel.Stop();
        await channel.WaitForStatusAsync(AiTaskStatus.Stopped);
        _provider.Enqueue(FakeTurn.Text("Second."));
        channel.Send("After the stop");
        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.Equal(2, _provider.Requests.Count);
        var users = _provider.Requests[1].Messages.Where(m => m.Role == "user").Select(m => m.Content);
        Assert.Equal(["Run the long thing", "After the stop"], users);
        Assert.Single(channel.Statuses, s => s.Status == AiTaskStatus.Stopped);
    }

    [Fact]
    public async Task A_stop_during_the_models_stream_cancels_the_stream()
    {
        _provider.Enqueue(FakeTurn.Text("Thinking about it").ThenStall());
        var channel = Start("Think");
        await channel.WaitForMessageAsync(m => m.Kind == TaskMessageKind.Assistant);

        channel.Stop();

        await channel.WaitForStatusAsync(AiTaskStatus.Stopped);
        await _provider.WaitForAbortAsync(1).WithTimeout();
    }

    [Theory]
    [InlineData(401)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task A_provider_refusal_fails_the_run_with_the_providers_status(int status)
    {
        _provider.Enqueue(FakeTurn.Refuse(status));
        var channel = Start("Do something");

        var failed = await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        Assert.Contains($"answered {status}", failed.Reason, StringComparison.Ordinal);
        Assert.Contains(channel.Messages, m => m.Kind == TaskMessageKind.Status && m.Content.Contains($"answered {status}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reset_stream_fails_the_run_and_a_follow_up_can_try_again()
    {
        var halfSeen = new TaskCompletionSource();
        _provider.Enqueue(FakeTurn.Text("Half").ThenWaitFor(halfSeen.Task).ThenReset(), FakeTurn.Text("Whole."));
        var channel = Start("Try");

        // The reset comes once the text has streamed out (a reset may otherwise overtake the bytes before it).
        await channel.WaitForMessageAsync(m => m.Kind == TaskMessageKind.Assistant);
        halfSeen.SetResult();
        var failed = await channel.WaitForStatusAsync(AiTaskStatus.Failed);
        channel.Send("Again");
        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.StartsWith("the model provider failed:", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(["system", "user", "assistant", "user"], _provider.Requests[1].Messages.Select(m => m.Role));
        Assert.Equal("Half", _provider.Requests[1].Messages[2].Content);
    }

    [Fact]
    public async Task A_missing_api_key_fails_the_task_naming_the_secret_and_never_calls_the_provider()
    {
        var channel = new InMemoryTaskChannel("Do something");
        var environment = Environment(channel);
        environment.Remove(TaskApi.DefaultApiKeyVariable);
        environment[TaskApi.ApiKeyVariableVariable] = "ANTHROPIC_KEY";
        _loop = Runner(channel, environment).RunAsync(_shutdown.Token);

        var failed = await channel.WaitForStatusAsync(AiTaskStatus.Failed);
        await _loop.WithTimeout();

        Assert.Equal("Missing required secret ANTHROPIC_KEY", failed.Reason);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public void The_key_comes_from_the_manifest_or_else_from_the_agents_own_environment_where_a_local_template_puts_secrets()
    {
        var manifest = new Dictionary<string, string>
        {
            [TaskApi.AgentTaskIdVariable] = Guid.NewGuid().ToString(),
            [TaskApi.ModelUrlVariable] = "http://127.0.0.1:9/v1",
            [TaskApi.ModelVariable] = "m",
        };
        var inherited = TaskAgentSettings.From(manifest, name => name == TaskApi.DefaultApiKeyVariable ? "from-process" : null)!;
        Assert.Equal(("from-process", null), (inherited.ApiKey, inherited.Failure));
        manifest[TaskApi.DefaultApiKeyVariable] = "from-manifest";
        Assert.Equal("from-manifest", TaskAgentSettings.From(manifest, _ => "from-process")!.ApiKey);
        manifest.Remove(TaskApi.DefaultApiKeyVariable);
        Assert.Equal($"Missing required secret {TaskApi.DefaultApiKeyVariable}", TaskAgentSettings.From(manifest, _ => null)!.Failure);
        Assert.DoesNotContain("from-process", inherited.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_tool_result_is_cut_for_the_model_and_the_model_is_told()
    {
        File.WriteAllText(_workspace.File("big.txt"), "START" + new string('x', 40_000) + "END");
        _provider.Enqueue(FakeTurn.ToolCall("read_file", """{"path":"big.txt"}"""), FakeTurn.Text("Big."));
        var channel = Start("Read big.txt");

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var result = _provider.Requests[1].Last.Content!;
        Assert.True(result.Length < 17 * 1024, $"{result.Length} characters");
        Assert.StartsWith("START", result, StringComparison.Ordinal);
        Assert.Contains("END", result, StringComparison.Ordinal);
        Assert.Contains("[truncated:", result, StringComparison.Ordinal);
        Assert.Contains("only its start and end are shown", result, StringComparison.Ordinal);
        Assert.True(channel.Messages.Single(m => m.Kind == TaskMessageKind.ToolResult).Content.Length <= 2200);
    }

    [Fact]
    public async Task Past_the_tool_call_limit_calls_are_refused_and_the_model_gets_no_tools()
    {
        _provider.Enqueue(
            FakeTurn.ToolCall("list_directory", "{}").ThenToolCall("list_directory", "{}").ThenToolCall("list_directory", "{}"),
            FakeTurn.Text("Done."));
        var channel = Start("Look around", new TaskLimits { MaxToolCallsPerRun = 2 });

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var last = _provider.Requests[1];
        Assert.Empty(last.ToolNames);
        Assert.Contains("limit of 2 tool calls", last.Last.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("limit", last.ToolResults.First().Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_call_for_a_path_outside_the_workspace_is_refused_to_the_model_and_the_run_goes_on()
    {
        _provider.Enqueue(FakeTurn.ToolCall("read_file", """{"path":"../../../../etc/passwd"}"""), FakeTurn.Text("I cannot."));
        var channel = Start("Read /etc/passwd");

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.Contains("outside the workspace directory", _provider.Requests[1].Last.Content, StringComparison.Ordinal);
        Assert.StartsWith("error:", channel.Messages.Single(m => m.Kind == TaskMessageKind.ToolResult).Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_workspace_stopping_stops_the_run_and_says_why()
    {
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch begun; sleep 300"}"""));
        var channel = Start("Run it");
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        await _shutdown.CancelAsync();
        await _loop!.WithTimeout();

        Assert.Equal("the workspace is stopping", channel.Statuses[^1] is { Status: AiTaskStatus.Stopped } s ? s.Reason : null);
    }

    [Fact]
    public async Task Commands_do_not_see_the_api_key()
    {
        _provider.Enqueue(FakeTurn.ToolCall("run_command", $$"""{"command":"echo key=${{{TaskApi.DefaultApiKeyVariable}}}"}"""), FakeTurn.Text("Ok."));
        var channel = Start("Show the key");

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.Equal("exit code 0\nkey=\n", _provider.Requests[1].Last.Content);
    }

    [Fact]
    public async Task A_key_a_tool_shows_is_redacted_before_the_model_and_the_server_see_it()
    {
        File.WriteAllText(_workspace.File(".env"), $"OPENAI_API_KEY={Key}\n");
        _provider.Enqueue(FakeTurn.ToolCall("read_file", """{"path":".env"}"""), FakeTurn.Text("Found it."));
        var channel = Start("What is in .env?");

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        Assert.Equal("OPENAI_API_KEY=[redacted]\n", _provider.Requests[1].Last.Content);
        Assert.DoesNotContain(channel.Messages, m => m.Content.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Streamed_text_is_batched_into_a_few_messages_not_one_per_token()
    {
        var tokens = Enumerable.Range(0, 2000).Select(i => $"t{i % 10} ").ToArray();
        _provider.Enqueue(FakeTurn.Text(tokens));
        var channel = Start("Talk a lot", FlushedBySizeAndTurn);

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var texts = channel.Messages.Where(m => m.Kind == TaskMessageKind.Assistant).Select(m => m.Content).ToList();
        Assert.Equal(string.Concat(tokens), string.Concat(texts));
        Assert.InRange(texts.Count, 1, 3 + (int)Math.Ceiling(string.Concat(tokens).Length / 4096.0));
    }

    [Fact]
    public async Task Past_the_conversation_bound_the_oldest_tool_results_are_replaced_by_a_note()
    {
        File.WriteAllText(_workspace.File("a.txt"), new string('a', 3000));
        File.WriteAllText(_workspace.File("b.txt"), new string('b', 3000));
        _provider.Enqueue(FakeTurn.ToolCall("read_file", """{"path":"a.txt"}"""), FakeTurn.ToolCall("read_file", """{"path":"b.txt"}"""), FakeTurn.Text("Read both."));
        var channel = Start("Read a.txt then b.txt", new TaskLimits { MaxConversationChars = 5000 });

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var results = _provider.Requests[2].ToolResults.Select(m => m.Content).ToList();
        Assert.Equal([Conversation.RemovedNote, new string('b', 3000)], results);
        Assert.Equal("Read a.txt then b.txt", _provider.Requests[2].Messages[1].Content);
    }

    [Theory]
    [InlineData("OUTPOST_TASK_MODEL_URL", "not a url", "OUTPOST_TASK_MODEL_URL")]
    [InlineData("OUTPOST_TASK_MODEL", "", "OUTPOST_TASK_MODEL")]
    public async Task A_template_without_a_model_fails_the_task_naming_the_variable(string variable, string value, string named)
    {
        var channel = new InMemoryTaskChannel("Do something");
        var environment = Environment(channel);
        environment[variable] = value;
        _loop = Runner(channel, environment).RunAsync(_shutdown.Token);

        var failed = await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        Assert.Contains(named + " ", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(_provider.Requests);
    }

    /// <summary>
    /// Text flushed by size and at the end of a turn only, for tests that assert how messages group: the half-second timer
    /// would split a turn's text wherever a loaded machine paused the fake provider's stream.
    /// </summary>
    private static readonly TaskLimits FlushedBySizeAndTurn = new() { FlushInterval = TimeSpan.FromHours(1) };

    private InMemoryTaskChannel Start(string prompt, TaskLimits? limits = null)
    {
        var channel = new InMemoryTaskChannel(prompt);
        _loop = Runner(channel, Environment(channel), limits).RunAsync(_shutdown.Token);
        return channel;
    }

    private Dictionary<string, string> Environment(InMemoryTaskChannel channel) => new()
    {
        [TaskApi.AgentTaskIdVariable] = channel.Task.Id.ToString(),
        [TaskApi.ModelUrlVariable] = _provider.BaseUrl.ToString(),
        [TaskApi.ModelVariable] = "test-model",
        [TaskApi.DefaultApiKeyVariable] = Key,
    };

    private TaskRunner Runner(InMemoryTaskChannel channel, Dictionary<string, string> environment, TaskLimits? limits = null)
    {
        var settings = TaskAgentSettings.From(environment)!;
        var context = new ToolContext
        {
            Workspace = _workspace.Directory,
            CommandEnvironment = TaskAgent.CommandEnvironment(environment.Select(e => KeyValuePair.Create(e.Key, (string?)e.Value)), settings),
        };
        return new TaskRunner(settings, channel, context, limits ?? new TaskLimits(), TimeProvider.System, _logger);
    }
}
