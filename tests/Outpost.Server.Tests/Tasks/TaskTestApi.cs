using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Tasks;

/// <summary>A signed-in user's task calls, the daemon that builds task workspaces, and the task agent's calls with its token.</summary>
internal sealed class TaskTestApi(HttpClient client, WorkspaceApi api, TestDaemon daemon)
{
    /// <summary>A local template whose agent runs tasks.</summary>
    public const string TaskYaml = """
        agents:
          - name: main
        task:
          agent: main
        """;

    public WorkspaceApi Api => api;

    /// <summary>The owner signed in, with a ready template of that name (a task template unless <paramref name="yaml"/> says otherwise).</summary>
    public static async Task<TaskTestApi> ReadyAsync(WorkspaceServerFixture fixture, string template, string yaml = TaskYaml)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var daemon = new TestDaemon(fixture.Client, fixture.DaemonKey);
        await api.ReadyTemplateAsync(daemon, template, yaml);
        return new TaskTestApi(fixture.Client, api, daemon);
    }

    /// <summary>A new member (created by the signed-in owner), signed in: their id and their calls.</summary>
    public async Task<(Guid Id, TaskTestApi Member)> CreateMemberAsync(string username)
    {
        var user = await api.ReadAsync<Outpost.Sdk.Users.User>(HttpMethod.Post, "/api/v2/users",
            new Outpost.Sdk.Users.CreateUserRequest { Email = $"{username}@example.com", Username = username, Password = "member-password-1" }, HttpStatusCode.Created);
        var member = await WorkspaceApi.LoginAsync(client, $"{username}@example.com", "member-password-1");
        return (user.Id, new TaskTestApi(client, member, daemon));
    }

    public TestDaemon Daemon => daemon;

    public Task<HttpResponseMessage> CreateRawAsync(string template, string prompt, string? name = null) =>
        api.SendAsync(HttpMethod.Post, TaskApi.Prefix, new CreateTaskRequest { Template = template, Prompt = prompt, Name = name });

    public async Task<AiTask> CreateAsync(string template, string prompt, string? name = null)
    {
        using var response = await CreateRawAsync(template, prompt, name);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<AiTask>(OutpostJson.Options).WithTimeout())!;
    }

    public Task<AiTask> GetAsync(Guid id) => api.ReadAsync<AiTask>(HttpMethod.Get, $"{TaskApi.Prefix}/{id}");

    /// <summary>Builds the task's workspace (its latest build) to success with one agent holding a new token; returns the token.</summary>
    public async Task<string> CompleteBuildAsync(Guid workspaceId)
    {
        var workspace = await api.GetWorkspaceAsync(workspaceId);
        var job = await daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var token = $"task-agent-{Guid.NewGuid():N}";
        await daemon.CompleteBuildAsync(job, [],
            new ProvisionedResource { Name = "main", Type = "local_agent_process", Agents = [new ProvisionedAgent { Name = "main", AuthToken = token }] });
        return token;
    }

    public async Task<HttpResponseMessage> AgentAsync(string token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, AgentApi.Prefix + TaskApi.AgentTaskPath + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: OutpostJson.Options);
        }

        return await client.SendAsync(request).WithTimeout();
    }

    /// <summary>An agent call with a JSON body as written (for bodies the typed records cannot express).</summary>
    public async Task<HttpResponseMessage> AgentRawAsync(string token, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AgentApi.Prefix + TaskApi.AgentTaskPath + path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request).WithTimeout();
    }

    public async Task<List<TaskMessage>> AppendAsync(string token, params NewTaskMessage[] messages)
    {
        using var response = await AgentAsync(token, HttpMethod.Post, "/messages", new AppendTaskMessagesRequest { Messages = messages });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return [.. (await response.Content.ReadFromJsonAsync<TaskMessageList>(OutpostJson.Options).WithTimeout())!.Messages];
    }

    public async Task ReportAsync(string token, AiTaskStatus status, string? reason = null)
    {
        using var response = await AgentAsync(token, HttpMethod.Post, "/status", new ReportTaskStatusRequest { Status = status, Reason = reason });
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    public static NewTaskMessage Assistant(string text) => new() { Kind = TaskMessageKind.Assistant, Content = text };
}
