using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Tasks;

/// <summary>
/// A task's workspace restarted mid-task, end to end (the real server, local provisioner and <c>outpost agent</c>, the fake
/// provider): the new agent resumes the conversation instead of running the prompt again, keeps the task completed as the
/// model declared it (<c>task_complete</c>), and continues with <c>send</c>.
/// </summary>
public sealed class TaskRestartEndToEndTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>
{
    private const string Key = "sk-restart-canary-4b2e91";
    private const string Task = "resumed";

    [Fact]
    public async Task A_restarted_task_agent_does_not_run_the_prompt_again_and_continues_with_send()
    {
        await using var provider = await FakeChatProvider.StartAsync(Key);
        provider.Enqueue(
            FakeTurn.Text("Hello there.").ThenToolCall("task_complete", """{"summary":"greeted the user"}"""),
            FakeTurn.Text("Done."));

        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        cli.Stdin = Key;
        var secret = await cli.RunAsync("secrets", "create", "openai-restart", "--env", TaskApi.DefaultApiKeyVariable);
        cli.Stdin = null;
        Assert.True(secret.ExitCode == 0, secret.Stderr);
        var directory = Directory.CreateTempSubdirectory("outpost-task-restart-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "outpost.yaml"), $"""
                name: ai-restart
                agents:
                  - name: main
                    secrets:
                      - env: {TaskApi.DefaultApiKeyVariable}
                task:
                  agent: main
                  model_url: {provider.BaseUrl}
                  model: fake-model
                """);
            var push = await cli.RunAsync("templates", "push", "ai-restart", "--directory", directory, "--yes");
            Assert.True(push.ExitCode == 0, push.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        var create = await cli.RunAsync("tasks", "create", "--template", "ai-restart", "--prompt", "Say hello", "--name", Task);
        Assert.True(create.ExitCode == 0, create.Stderr);
        var completed = await StatusAsync(cli, AiTaskStatus.Completed);
        Assert.Equal("greeted the user", completed.StatusReason);
        Assert.Equal(2, provider.Requests.Count);

        // The workspace restarts: a new build, a new agent process, the same task.
        var restart = await cli.RunAsync("restart", Task);
        Assert.True(restart.ExitCode == 0, restart.Stderr);
        var resumed = await StatusAsync(cli, AiTaskStatus.Completed);

        Assert.Equal("greeted the user", resumed.StatusReason);
        Assert.Equal(2, provider.Requests.Count);

        provider.Enqueue(FakeTurn.Text("Hello again."));
        var send = await cli.RunAsync("tasks", "send", Task, "once more");
        Assert.True(send.ExitCode == 0, send.Stderr);
        var third = await provider.WaitForRequestAsync(3);
        await StatusAsync(cli, AiTaskStatus.Idle);

        // The conversation before the restart came back (rebuilt from the task's messages), then the follow-up.
        Assert.Equal(["system", "user", "assistant", "user"], third.Messages.Select(m => m.Role));
        Assert.Equal("Say hello", third.Messages[1].Content);
        Assert.Contains("Hello there.", third.Messages[2].Content, StringComparison.Ordinal);
        Assert.Contains("[called task_complete: greeted the user]", third.Messages[2].Content, StringComparison.Ordinal);
        Assert.Equal("once more", third.Last.Content);
        Assert.Equal(3, provider.Requests.Count);
        Assert.Equal(1, provider.Requests.Count(r => r.Messages.Count == 2 && r.Last.Content == "Say hello"));

        var delete = await cli.RunAsync("tasks", "delete", Task, "--yes");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
    }

    /// <summary>Reads the task until it has <paramref name="status"/>, bounded.</summary>
    private static async Task<AiTask> StatusAsync(TestCli cli, AiTaskStatus status)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var show = await cli.RunAsync("tasks", "show", Task, "--output", "json");
            Assert.True(show.ExitCode == 0, show.Stderr);
            var task = JsonSerializer.Deserialize(show.Stdout, TaskJsonContext.Default.AiTask)!;
            if (task.Status == status)
            {
                return task;
            }

            Assert.True(task.Status is not AiTaskStatus.Failed, $"the task failed: {task.StatusReason}");
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the task stayed {task.Status} ({task.StatusReason})");
            await System.Threading.Tasks.Task.Delay(100);
        }
    }
}
