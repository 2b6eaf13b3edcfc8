using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Outpost.Cli.Tests.Workspaces;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Tasks;

/// <summary><c>outpost tasks</c> and <c>outpost users ai-seats</c> against the real server; the test plays the daemon and the task agent.</summary>
public sealed class TaskCommandsTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string TaskYaml = """
        agents:
          - name: main
        task:
          agent: main
        """;

    private readonly WorkspaceTestBed _bed = new(server);

    public void Dispose() => _bed.Dispose();

    private async Task<TestCli> WithTaskTemplateAsync(string template, string yaml = TaskYaml)
    {
        var cli = await _bed.SignedInAsync();
        await File.WriteAllTextAsync(Path.Combine(_bed.Directory, "outpost.yaml"), yaml);
        var push = await _bed.PushAsync(cli, template);
        Assert.True(push.ExitCode == 0, push.Stderr);
        return cli;
    }

    /// <summary>Builds the task's workspace with an agent; returns the agent's token.</summary>
    private async Task<string> BuildAsync(Guid taskId)
    {
        var job = await _bed.Daemon.TryAcquireAsync(5);
        Assert.NotNull(job);
        Assert.Equal(taskId, job.WorkspaceBuild!.TaskId);
        var token = $"cli-task-agent-{Guid.NewGuid():N}";
        await _bed.Daemon.CompleteBuildAsync(job, [],
            new ProvisionedResource { Name = "main", Type = "local_agent_process", Agents = [new ProvisionedAgent { Name = "main", AuthToken = token }] });
        return token;
    }

    private async Task AgentPostAsync(string token, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AgentApi.Prefix + TaskApi.AgentTaskPath + path)
        {
            Content = JsonContent.Create(body, body.GetType(), options: OutpostJson.Options),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request).WithTimeout();
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static NewTaskMessage Assistant(string text) => new() { Kind = TaskMessageKind.Assistant, Content = text };

    private static async Task<AiTask> ShowAsync(TestCli cli, string task)
    {
        var show = await cli.RunAsync("tasks", "show", task, "--output", "json");
        Assert.True(show.ExitCode == 0, show.Stderr);
        return JsonSerializer.Deserialize(show.Stdout, TaskJsonContext.Default.AiTask)!;
    }

    [Fact]
    public async Task A_task_is_created_listed_shown_followed_sent_to_stopped_and_deleted()
    {
        await _bed.Daemon.DrainAsync();
        using var cli = await WithTaskTemplateAsync("cli-tasks");

        var create = await cli.RunAsync("tasks", "create", "--template", "cli-tasks", "--prompt", "Write hello.txt", "--name", "hello-task");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var id = Guid.Parse(create.Stdout.Trim());
        var token = await BuildAsync(id);
        var list = await cli.RunAsync("tasks", "list", "--output", "json");
        var table = await cli.RunAsync("tasks", "list");
        var shown = await ShowAsync(cli, "hello-task");

        Assert.Contains(JsonSerializer.Deserialize(list.Stdout, TaskJsonContext.Default.AiTaskList)!.Tasks, t => t.Id == id);
        Assert.Contains("hello-task", table.Stdout, StringComparison.Ordinal);
        Assert.Equal((id, "Write hello.txt", AiTaskStatus.Initializing), (shown.Id, shown.Prompt, shown.Status));

        // Follow while the agent works: every line once, in order, until the agent reports the task complete.
        var follow = cli.RunAsync("tasks", "logs", "hello-task", "--follow");
        await AgentPostAsync(token, "/status", new ReportTaskStatusRequest { Status = AiTaskStatus.Working });
        await AgentPostAsync(token, "/messages", new AppendTaskMessagesRequest
        {
            Messages =
            [
                Assistant("I will write the file."),
                new NewTaskMessage { Kind = TaskMessageKind.ToolCall, ToolName = "write_file", Content = "hello.txt" },
                new NewTaskMessage { Kind = TaskMessageKind.ToolResult, ToolName = "write_file", Content = "wrote 6 bytes" },
            ],
        });
        var send = await cli.RunAsync("tasks", "send", "hello-task", "and say so");
        await AgentPostAsync(token, "/messages", new AppendTaskMessagesRequest { Messages = [Assistant("Done: hello.txt holds hello.")] });
        await AgentPostAsync(token, "/status", new ReportTaskStatusRequest { Status = AiTaskStatus.Completed });
        var followed = await follow.WithTimeout();
        var logs = await cli.RunAsync("tasks", "logs", id.ToString());

        Assert.True(send.ExitCode == 0, send.Stderr);
        Assert.True(followed.ExitCode == 0, followed.Stderr);
        var expected = new[] { "you: Write hello.txt", "assistant: I will write the file.", "-> write_file: hello.txt", "<- write_file: wrote 6 bytes", "you: and say so", "assistant: Done: hello.txt holds hello." };
        Assert.Equal(expected, Lines(followed.Stdout));
        Assert.Equal(expected, Lines(logs.Stdout));
        Assert.Contains("is completed", followed.Stderr, StringComparison.Ordinal);

        var stop = await cli.RunAsync("tasks", "stop", "hello-task");
        var unconfirmed = await cli.RunAsync("tasks", "delete", "hello-task");
        cli.Prompter = new ScriptedPrompter("yes");
        var delete = await cli.RunAsync("tasks", "delete", "hello-task");
        var deleteJob = await _bed.Daemon.TryAcquireAsync(5);
        await _bed.Daemon.CompleteBuildAsync(deleteJob!, []);
        var gone = await cli.RunAsync("tasks", "show", id.ToString());

        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Equal(ExitCodes.NotConfirmed, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Equal(WorkspaceTransition.Delete, deleteJob!.WorkspaceBuild!.Transition);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
    }

    [Fact]
    public async Task The_prompt_can_come_from_stdin_and_json_output_is_the_task()
    {
        using var cli = await WithTaskTemplateAsync("cli-stdin");
        cli.Stdin = "Refactor the parser\nand keep the tests green\n";

        var create = await cli.RunAsync("tasks", "create", "--template", "cli-stdin", "--output", "json");
        cli.Stdin = null;
        var created = JsonSerializer.Deserialize(create.Stdout, TaskJsonContext.Default.AiTask)!;
        var shown = await ShowAsync(cli, created.Id.ToString());
        var noPrompt = await cli.RunAsync("tasks", "create", "--template", "cli-stdin");

        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Equal("Refactor the parser\nand keep the tests green", shown.Prompt);
        Assert.Equal(ExitCodes.Usage, noPrompt.ExitCode);
        Assert.Contains("no prompt", noPrompt.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_without_a_task_agent_is_refused_with_what_to_add()
    {
        using var cli = await WithTaskTemplateAsync("cli-plain", "agents:\n  - name: main\n");

        var create = await cli.RunAsync("tasks", "create", "--template", "cli-plain", "--prompt", "anything");
        var unknown = await cli.RunAsync("tasks", "show", "no-such-task");

        Assert.Equal(ExitCodes.InvalidRequest, create.ExitCode);
        Assert.Contains("template \"cli-plain\"", create.Stderr, StringComparison.Ordinal);
        Assert.Contains("task:", create.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
    }

    [Fact]
    public async Task Owners_list_the_ai_seats()
    {
        using var cli = await WithTaskTemplateAsync("cli-seats");
        Assert.Equal(0, (await cli.RunAsync("tasks", "create", "--template", "cli-seats", "--prompt", "take a seat")).ExitCode);

        var json = await cli.RunAsync("users", "ai-seats", "--output", "json");
        var table = await cli.RunAsync("users", "ai-seats");

        Assert.True(json.ExitCode == 0, json.Stderr);
        var seats = JsonSerializer.Deserialize(json.Stdout, AiSeatJsonContext.Default.AiSeatList)!;
        Assert.Contains(seats.Seats, s => s.Username == ClockedServerFixture.OwnerUsername);
        Assert.Equal(seats.Seats.Count, seats.Count);
        Assert.Contains(ClockedServerFixture.OwnerUsername, table.Stdout, StringComparison.Ordinal);
        Assert.Contains("AI seat(s) in use", table.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The message lines without their time stamps.</summary>
    private static string[] Lines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd('\r')[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..])];
}
