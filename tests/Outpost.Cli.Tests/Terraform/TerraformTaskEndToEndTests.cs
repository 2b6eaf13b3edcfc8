using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>
/// A task from a Terraform template, end to end: the real server, daemon, terraform binary and provider, a real
/// <c>outpost agent</c> started by the template, and the fake model provider. The build gets <c>OUTPOST_TASK_ID</c> and
/// <c>OUTPOST_TASK_PROMPT</c>, which reach the template through <c>outpost_ai_task</c>; the template hands the id to the
/// agent, whose coding loop starts and answers the prompt.
/// </summary>
public sealed class TerraformTaskEndToEndTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string Key = "sk-terraform-task-5f8a2c";
    private readonly Workspaces.WorkspaceTestBed _bed = new(server);
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-terraform-task-").FullName;

    public void Dispose()
    {
        AgentLaunchingDaemons.KillLeftovers(_root, ".outpost-agent.pid");
        Directory.Delete(_root, recursive: true);
        _bed.Dispose();
    }

    [Fact]
    public async Task A_task_from_a_terraform_template_passes_its_id_and_prompt_to_the_build_and_its_agent_runs_the_prompt()
    {
        Assert.True(TerraformCli.Find() is not null, "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); this test needs terraform 1.5 or newer");
        await using var provider = await FakeChatProvider.StartAsync(Key);
        provider.Enqueue(
            FakeTurn.ToolCall("write_file", """{"path":"from-model.txt","content":"written by the model\n"}"""),
            FakeTurn.Text("Wrote from-model.txt."));
        await File.WriteAllTextAsync(Path.Join(_bed.Directory, "main.tf"), MainTf(provider.BaseUrl));

        using var cli = await _bed.SignedInAsync();
        cli.Timeout = TimeSpan.FromMinutes(4);
        cli.Stdin = Key;
        var secret = await cli.RunAsync("secrets", "create", "openai-tf", "--env", TaskApi.DefaultApiKeyVariable);
        cli.Stdin = null;
        Assert.True(secret.ExitCode == 0, secret.Stderr);
        await using var daemons = AgentLaunchingDaemons.Start(server, Path.Join(_root, "workspaces"));
        var push = await cli.RunAsync("templates", "push", "tf-task", "--directory", _bed.Directory, "--yes").WithTimeout(TimeSpan.FromMinutes(3));
        Assert.True(push.ExitCode == 0, push.Stderr);

        var create = await cli.RunAsync("tasks", "create", "--template", "tf-task", "--prompt", "Write from-model.txt", "--name", "tftask").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(create.ExitCode == 0, create.Stderr);
        var task = await StatusAsync(cli, AiTaskStatus.Idle);

        // The template saw the task through outpost_ai_task and gave the id to the agent; the agent's loop ran the prompt in its directory.
        var working = Assert.Single(Directory.GetDirectories(Path.Join(_root, "workspaces", "terraform")), path => !Path.GetFileName(path).StartsWith('.'));
        var home = Path.Join(working, "home");
        var env = (await File.ReadAllTextAsync(Path.Join(home, "env.txt"))).Split('\n');
        Assert.Contains($"{TaskApi.AgentTaskIdVariable}={task.Id:D}", env);
        Assert.Contains("TASK_PROMPT=Write from-model.txt", env);
        Assert.Equal("written by the model\n", await File.ReadAllTextAsync(Path.Join(home, "from-model.txt")));
        Assert.Equal("Write from-model.txt", provider.Requests[0].Last.Content);
        Assert.Equal("Bearer " + Key, provider.Requests[0].Authorization);
        Assert.Equal(2, provider.Requests.Count);

        var delete = await cli.RunAsync("tasks", "delete", "tftask", "--yes").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(delete.ExitCode == 0, delete.Stderr);
    }

    /// <summary>The terraform-local example with a task: an <c>outpost_ai_task</c>, the key from a secret, the task variables in the agent's env.</summary>
    private static string MainTf(Uri modelUrl)
    {
        var example = File.ReadAllText(Path.Join(Path.GetDirectoryName(LocalWorkspacesFixture.LocalStarterDirectory)!, "terraform-local", "main.tf"));
        const string Editor = "    EDITOR   = \"vi\"\n";
        Assert.Contains(Editor, example, StringComparison.Ordinal);
        return example.Replace(Editor, $$"""
                OUTPOST_TASK_ID        = outpost_ai_task.task.id
                OUTPOST_TASK_MODEL_URL = "{{modelUrl}}"
                OUTPOST_TASK_MODEL     = "fake-model"
                {{TaskApi.DefaultApiKeyVariable}} = data.outpost_secret.openai.value
                TASK_PROMPT            = outpost_ai_task.task.prompt

            """, StringComparison.Ordinal) + $$"""

            data "outpost_secret" "openai" {
              env          = "{{TaskApi.DefaultApiKeyVariable}}"
              help_message = "outpost secrets create openai --env {{TaskApi.DefaultApiKeyVariable}}"
            }

            resource "outpost_ai_task" "task" {}
            """;
    }

    private static async Task<AiTask> StatusAsync(TestCli cli, AiTaskStatus status)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var show = await cli.RunAsync("tasks", "show", "tftask", "--output", "json");
            Assert.True(show.ExitCode == 0, show.Stderr);
            var task = JsonSerializer.Deserialize(show.Stdout, TaskJsonContext.Default.AiTask)!;
            if (task.Status == status)
            {
                return task;
            }

            Assert.True(task.Status is not (AiTaskStatus.Failed or AiTaskStatus.Stopped), $"the task is {task.Status}: {task.StatusReason}");
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the task stayed {task.Status} ({task.StatusReason})");
            await Task.Delay(200);
        }
    }
}
