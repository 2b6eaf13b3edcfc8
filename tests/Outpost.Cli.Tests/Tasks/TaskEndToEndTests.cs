using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Tasks;

/// <summary>
/// Issue 22 end to end: the real server and local provisioner, the real <c>outpost agent</c> running the coding loop in
/// its workspace, the fake model provider at the true boundary, and the CLI: create with a prompt, the model writes a
/// file and runs a command inside the workspace, the answer streams to <c>tasks logs --follow</c>, a follow-up continues,
/// and deleting the task deletes the workspace.
/// </summary>
public sealed class TaskEndToEndTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>
{
    private const string Key = "sk-e2e-canary-7d1f0c";

    [Fact]
    public async Task A_prompt_becomes_a_workspace_where_the_model_writes_a_file_and_runs_a_command_then_a_follow_up_continues_and_delete_removes_it()
    {
        await using var provider = await FakeChatProvider.StartAsync(Key);
        provider.Enqueue(
            FakeTurn.Text("I will write ", "the file.").ThenToolCall("write_file", """{"path":"hello.txt","content":"hello from the model\n"}""", pieces: 4),
            FakeTurn.ToolCall("run_command", """{"command":"cat hello.txt"}"""),
            FakeTurn.Text("The file says ", "hello."),
            FakeTurn.Text("Still ", "here."));

        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        cli.Stdin = Key;
        var secret = await cli.RunAsync("secrets", "create", "openai", "--env", TaskApi.DefaultApiKeyVariable);
        cli.Stdin = null;
        Assert.True(secret.ExitCode == 0, secret.Stderr);

        var directory = Directory.CreateTempSubdirectory("outpost-task-template-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "outpost.yaml"), $"""
                name: ai-e2e
                agents:
                  - name: main
                    secrets:
                      - env: {TaskApi.DefaultApiKeyVariable}
                task:
                  agent: main
                  model_url: {provider.BaseUrl}
                  model: fake-model
                """);
            var push = await cli.RunAsync("templates", "push", "ai-e2e", "--directory", directory, "--yes");
            Assert.True(push.ExitCode == 0, push.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        var create = await cli.RunAsync("tasks", "create", "--template", "ai-e2e", "--prompt", "Write hello.txt and show it", "--name", "aitask");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var follow = cli.RunAsync("tasks", "logs", "aitask", "--follow");

        // The model's three turns: write, run, answer; then the task waits for a follow-up.
        await provider.WaitForRequestAsync(3);
        await StatusAsync(cli, AiTaskStatus.Idle);
        var cat = await OutpostProcess.RunAsync(["ssh", "aitask", "--", "cat", "hello.txt"], cli.Environment);
        Assert.True(cat.ExitCode == 0, cat.Stderr);
        Assert.Equal("hello from the model\n", cat.Stdout);

        var send = await cli.RunAsync("tasks", "send", "aitask", "and now?");
        Assert.True(send.ExitCode == 0, send.Stderr);
        var fourth = await provider.WaitForRequestAsync(4);
        await StatusAsync(cli, AiTaskStatus.Idle, after: 6);

        // The whole conversation went back with the follow-up; the key only ever in the header.
        Assert.Contains(fourth.Messages, m => m.Role == "tool" && (m.Content ?? string.Empty).Contains("hello from the model", StringComparison.Ordinal));
        Assert.Equal("and now?", fourth.Messages[^1].Content);
        Assert.All(provider.Requests, r => Assert.DoesNotContain(Key, r.Body, StringComparison.Ordinal));

        cli.Prompter = new ScriptedPrompter("yes");
        var delete = await cli.RunAsync("tasks", "delete", "aitask");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        var followed = await follow.WithTimeout();
        Assert.True(followed.ExitCode == 0, followed.Stderr);
        var lines = followed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();
        Assert.Equal("you: Write hello.txt and show it", lines[0]);
        Assert.Contains("assistant: I will write the file.", lines);
        Assert.Contains(lines, l => l.StartsWith("-> write_file: hello.txt", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-> run_command: cat hello.txt", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<- run_command:", StringComparison.Ordinal));
        Assert.True(lines.IndexOf("assistant: The file says hello.") < lines.IndexOf("you: and now?"), followed.Stdout);
        Assert.Equal("assistant: Still here.", lines[^1]);
        Assert.DoesNotContain(Key, followed.Stdout + followed.Stderr, StringComparison.Ordinal);

        // The delete build removes the workspace, and the task goes with it.
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        var gone = await cli.RunAsync("tasks", "show", "aitask");
        while (gone.ExitCode == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
            gone = await cli.RunAsync("tasks", "show", "aitask");
        }

        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
        Assert.DoesNotContain("\"aitask\"", (await cli.RunAsync("list", "--output", "json")).Stdout, StringComparison.Ordinal);
    }

    /// <summary>Reads the task until it has <paramref name="status"/> (and at least <paramref name="after"/> messages), bounded.</summary>
    private static async Task StatusAsync(TestCli cli, AiTaskStatus status, int after = 0)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var show = await cli.RunAsync("tasks", "show", "aitask", "--output", "json");
            Assert.True(show.ExitCode == 0, show.Stderr);
            var task = JsonSerializer.Deserialize(show.Stdout, TaskJsonContext.Default.AiTask)!;
            var logs = after == 0 ? null : await cli.RunAsync("tasks", "logs", "aitask");
            if (task.Status == status && (logs is null || logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= after))
            {
                return;
            }

            Assert.True(task.Status is not (AiTaskStatus.Failed or AiTaskStatus.Stopped), $"the task is {task.Status}: {task.StatusReason}");
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the task stayed {task.Status} ({task.StatusReason})");
            await Task.Delay(100);
        }
    }
}
