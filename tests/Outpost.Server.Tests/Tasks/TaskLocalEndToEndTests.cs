using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Tasks;

/// <summary>
/// A task through the real daemons and the real local provisioner: the task agent's manifest carries
/// the task and its model, the agent reads its task with its own token, and deleting the task
/// deletes the workspace. A shell script that records its environment stands in for <c>outpost agent</c>.
/// </summary>
public sealed class TaskLocalEndToEndTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>, IDisposable
{
    private const string StandInAgent = """
        trap 'exit 0' TERM
        env > .env.tmp && mv .env.tmp env.txt
        while true; do sleep 1 & wait $!; done
        """;

    private const string TaskTemplate = """
        agents:
          - name: main
        task:
          agent: main
          model_url: https://models.example.com/v1
          model: coder-large
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("outpost-task-e2e-").FullName;

    public void Dispose()
    {
        WorkspaceProcesses.KillUnder(_root);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_task_workspace_gives_its_task_agent_the_task_and_goes_with_the_task()
    {
        var script = Path.Join(_root, "agent.sh");
        await File.WriteAllTextAsync(script, StandInAgent);
        var workspaces = Path.Join(_root, "workspaces");
        await using var host = ProvisionerDaemonHost.Start(1, fixture.BaseAddress, fixture.DaemonKey, workspaces, NullLoggerFactory.Instance, TimeProvider.System,
            options => options with { AgentCommand = ["/bin/sh", script], WaitSeconds = 1 });
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("task-e2e");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync(TaskTemplate));
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/templateversions/{version.Id}/logs?follow=true", api.Token);
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });
        var tasks = new TaskTestApi(fixture.Client, api, new TestDaemon(fixture.Client, fixture.DaemonKey));

        var task = await tasks.CreateAsync("task-e2e", "Write hello.txt");
        var workspace = await api.GetWorkspaceAsync(task.WorkspaceId);
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);
        var directory = Path.Join(workspaces, task.WorkspaceId.ToString("D"));
        var env = await File.ReadAllLinesAsync(await FileAppearance.WaitAsync(Path.Join(directory, "env.txt")));
        var prefix = AgentEnvironment.AgentTokenFile + "=";
        var token = (await File.ReadAllTextAsync(Assert.Single(env, line => line.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..])).Trim();
        var main = await ManifestAsync(token);
        using var agentView = await tasks.AgentAsync(token, HttpMethod.Get, "/");
        var running = await tasks.GetAsync(task.Id);

        Assert.Equal(task.Id.ToString("D"), main.Environment[TaskApi.AgentTaskIdVariable]);
        Assert.Equal(("https://models.example.com/v1", "coder-large"), (main.Environment[TaskApi.ModelUrlVariable], main.Environment[TaskApi.ModelVariable]));
        Assert.Equal(HttpStatusCode.OK, agentView.StatusCode);
        Assert.Equal("Write hello.txt", (await agentView.Content.ReadFromJsonAsync<AgentTask>(OutpostJson.Options))!.Prompt);
        Assert.Equal(AiTaskStatus.Initializing, running.Status);

        var delete = await api.ReadAsync<WorkspaceBuild>(HttpMethod.Delete, $"{TaskApi.Prefix}/{task.Id}", expect: HttpStatusCode.Accepted);
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{delete.Id}/logs?follow=true", api.Token);
        using var gone = await api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}");

        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(WorkspaceStatus.Deleted, (await api.GetWorkspaceAsync(task.WorkspaceId)).Status);
        Assert.False(Directory.Exists(directory));
    }

    private async Task<AgentManifest> ManifestAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{AgentApi.Prefix}/manifest");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await fixture.Client.SendAsync(request).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options).WithTimeout())!;
    }
}
