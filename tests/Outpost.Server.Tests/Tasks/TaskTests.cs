using System.Net;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Tasks;

public sealed class TaskTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private Task<TaskTestApi> ReadyAsync(string template, string yaml = TaskTestApi.TaskYaml) => TaskTestApi.ReadyAsync(fixture, template, yaml);

    [Fact]
    public async Task A_template_without_a_task_agent_refuses_the_task_and_leaves_no_workspace_behind()
    {
        var tasks = await ReadyAsync("plain", WorkspaceApi.StarterYaml);

        using var refused = await tasks.CreateRawAsync("plain", "write a README", name: "no-agent");
        var problem = await WorkspaceApi.ProblemAsync(refused);
        // The name is free again: the workspace row was written in the task's transaction and rolled back with it.
        var workspace = await tasks.Api.CreateWorkspaceAsync("no-agent", "plain");
        var list = await tasks.Api.ReadAsync<AiTaskList>(HttpMethod.Get, TaskApi.Prefix);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(ProblemCodes.TemplateNoTaskAgent, problem.Code);
        Assert.Contains("template \"plain\"", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("task:", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("outpost_ai_task", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("no-agent", workspace.Name);
        Assert.DoesNotContain(list.Tasks, t => t.WorkspaceName == "no-agent");
    }

    [Fact]
    public async Task Bad_task_requests_are_refused_naming_what_is_wrong()
    {
        var tasks = await ReadyAsync("bad-requests");

        using var empty = await tasks.CreateRawAsync("bad-requests", "  ");
        using var huge = await tasks.CreateRawAsync("bad-requests", new string('x', TaskApi.MaxPromptLength + 1));
        using var missing = await tasks.CreateRawAsync("no-such-template", "hello");
        using var unknown = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("prompt is required", (await WorkspaceApi.ProblemAsync(empty)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("the limit is", (await WorkspaceApi.ProblemAsync(huge)).Detail, StringComparison.Ordinal);
        Assert.Equal(ProblemCodes.TemplateNotFound, (await WorkspaceApi.ProblemAsync(missing)).Code);
        Assert.Equal(ProblemCodes.TaskNotFound, (await WorkspaceApi.ProblemAsync(unknown)).Code);
    }

    [Fact]
    public async Task A_task_creates_its_workspace_whose_build_carries_the_task_and_its_status_follows_build_and_agent()
    {
        var tasks = await ReadyAsync("tasky");

        var task = await tasks.CreateAsync("tasky", "Fix the login bug, please!");
        var workspace = await tasks.Api.GetWorkspaceAsync(task.WorkspaceId);
        var job = await tasks.Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var building = await tasks.GetAsync(task.Id);
        var token = $"task-agent-{Guid.NewGuid():N}";
        await tasks.Daemon.CompleteBuildAsync(job, [],
            new ProvisionedResource { Name = "main", Type = "local_agent_process", Agents = [new ProvisionedAgent { Name = "main", AuthToken = token }] });
        var waiting = await tasks.GetAsync(task.Id);
        var agentView = await ReadAgentTaskAsync(tasks, token);
        await tasks.ReportAsync(token, AiTaskStatus.Working);
        var working = await tasks.GetAsync(task.Id);
        await tasks.ReportAsync(token, AiTaskStatus.Idle);
        var idle = await tasks.GetAsync(task.Id);

        Assert.Equal(AiTaskStatus.Pending, task.Status);
        Assert.StartsWith("task-fix-the-login-bug-", task.WorkspaceName, StringComparison.Ordinal);
        Assert.InRange(task.WorkspaceName.Length, 1, Outpost.Sdk.NameRules.MaxWorkspaceName);
        Assert.Equal(("tasky", task.WorkspaceName, "owner"), (task.TemplateName, workspace.Name, task.OwnerName));
        Assert.Equal((task.Id, "Fix the login bug, please!"), (job.WorkspaceBuild!.TaskId, job.WorkspaceBuild.TaskPrompt));
        Assert.Equal(AiTaskStatus.Initializing, building.Status);
        Assert.Equal((AiTaskStatus.Initializing, "waiting for the task agent to start"), (waiting.Status, waiting.StatusReason));
        Assert.Equal((task.Id, task.Prompt, AiTaskStatus.Initializing), (agentView.Id, agentView.Prompt, agentView.Status));
        Assert.Equal(AiTaskStatus.Working, working.Status);
        Assert.Equal(AiTaskStatus.Idle, idle.Status);
    }

    [Fact]
    public async Task A_workspace_without_a_task_builds_without_one()
    {
        var tasks = await ReadyAsync("plain-build", WorkspaceApi.StarterYaml);
        var workspace = await tasks.Api.CreateWorkspaceAsync("plain-one", "plain-build");

        var job = await tasks.Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        await tasks.Daemon.CompleteBuildAsync(job, []);

        Assert.Null(job.WorkspaceBuild!.TaskId);
        Assert.Null(job.WorkspaceBuild.TaskPrompt);
    }

    [Fact]
    public async Task A_failed_build_fails_the_task_with_the_build_error()
    {
        var tasks = await ReadyAsync("failing");
        var task = await tasks.CreateAsync("failing", "do something");
        var workspace = await tasks.Api.GetWorkspaceAsync(task.WorkspaceId);

        using (var failed = await tasks.Daemon.FailAsync((await tasks.Daemon.AcquireAsync(workspace.LatestBuild.Job.Id)).JobId, "the disk is full"))
        {
            Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        }

        var after = await tasks.GetAsync(task.Id);

        Assert.Equal(AiTaskStatus.Failed, after.Status);
        Assert.Contains("the disk is full", after.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_workspace_stops_the_task_and_a_restart_waits_for_the_agent_again()
    {
        var tasks = await ReadyAsync("stopping");
        var task = await tasks.CreateAsync("stopping", "long job");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);
        await tasks.ReportAsync(token, AiTaskStatus.Working);

        await tasks.Api.BuildAsync(task.WorkspaceId, WorkspaceTransition.Stop);
        var stopping = await tasks.GetAsync(task.Id);
        await tasks.CompleteBuildAsync(task.WorkspaceId);
        var stopped = await tasks.GetAsync(task.Id);
        await tasks.Api.BuildAsync(task.WorkspaceId, WorkspaceTransition.Start);
        var restarting = await tasks.GetAsync(task.Id);
        var newToken = await tasks.CompleteBuildAsync(task.WorkspaceId);
        var restarted = await tasks.GetAsync(task.Id);
        await tasks.ReportAsync(newToken, AiTaskStatus.Completed);
        var completed = await tasks.GetAsync(task.Id);

        Assert.Equal((AiTaskStatus.Stopped, "the workspace was stopped"), (stopping.Status, stopping.StatusReason));
        Assert.Equal(AiTaskStatus.Stopped, stopped.Status);
        Assert.Equal(AiTaskStatus.Pending, restarting.Status);
        // The "working" report belonged to the first build's agent.
        Assert.Equal(AiTaskStatus.Initializing, restarted.Status);
        Assert.Equal(AiTaskStatus.Completed, completed.Status);
    }

    [Fact]
    public async Task Agent_routes_take_only_an_agent_token_and_answer_only_for_a_task_workspace()
    {
        var tasks = await ReadyAsync("agent-auth");
        await tasks.Api.ReadyTemplateAsync(tasks.Daemon, "agent-auth-plain", WorkspaceApi.StarterYaml);
        var task = await tasks.CreateAsync("agent-auth", "check the routes");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);
        var plain = await tasks.Api.CreateWorkspaceAsync("agent-auth-plain-ws", "agent-auth-plain");
        var plainToken = await tasks.CompleteBuildAsync(plain.Id);

        using var withUserToken = await tasks.AgentAsync(tasks.Api.Token, HttpMethod.Get, "/");
        using var withoutTask = await tasks.AgentAsync(plainToken, HttpMethod.Get, "/");
        using var userKind = await tasks.AgentAsync(token, HttpMethod.Post, "/messages",
            new AppendTaskMessagesRequest { Messages = [new NewTaskMessage { Kind = TaskMessageKind.User, Content = "sneaky" }] });
        using var noToolName = await tasks.AgentAsync(token, HttpMethod.Post, "/messages",
            new AppendTaskMessagesRequest { Messages = [new NewTaskMessage { Kind = TaskMessageKind.ToolCall, Content = "ls" }] });
        using var tooMany = await tasks.AgentAsync(token, HttpMethod.Post, "/messages",
            new AppendTaskMessagesRequest { Messages = [.. Enumerable.Range(0, 101).Select(i => TaskTestApi.Assistant($"m{i}"))] });
        using var pending = await tasks.AgentAsync(token, HttpMethod.Post, "/status", new ReportTaskStatusRequest { Status = AiTaskStatus.Pending });

        Assert.Equal(HttpStatusCode.Unauthorized, withUserToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withoutTask.StatusCode);
        Assert.Equal(ProblemCodes.TaskNotFound, (await WorkspaceApi.ProblemAsync(withoutTask)).Code);
        Assert.Equal(HttpStatusCode.BadRequest, userKind.StatusCode);
        Assert.Contains("messages[0]", (await WorkspaceApi.ProblemAsync(userKind)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noToolName.StatusCode);
        Assert.Contains("tool_name", (await WorkspaceApi.ProblemAsync(noToolName)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, pending.StatusCode);
        Assert.Contains("follows the build", (await WorkspaceApi.ProblemAsync(pending)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_from_the_agent_and_the_user_are_numbered_in_order_without_gaps()
    {
        var tasks = await ReadyAsync("ordering");
        var task = await tasks.CreateAsync("ordering", "count");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);

        var first = await tasks.AppendAsync(token, TaskTestApi.Assistant("a"),
            new NewTaskMessage { Kind = TaskMessageKind.ToolCall, ToolName = "run_command", Content = "ls" },
            new NewTaskMessage { Kind = TaskMessageKind.ToolResult, ToolName = "run_command", Content = "README.md" });
        // Concurrent writers on the same task: the row lock orders them, the sequence has no holes.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? (Task)tasks.AppendAsync(token, TaskTestApi.Assistant($"agent {i}"))
            : SendAsync(tasks, task.Id, $"user {i}")));
        var all = await tasks.Api.ReadAsync<TaskMessageList>(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/messages");
        var page = await tasks.Api.ReadAsync<TaskMessageList>(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/messages?after=2&limit=2");

        Assert.Equal([2L, 3L, 4L], first.Select(m => m.Sequence));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), all.Messages.Select(m => m.Sequence));
        Assert.Equal((TaskMessageKind.User, "count"), (all.Messages[0].Kind, all.Messages[0].Content));
        Assert.Equal(("run_command", "ls"), (all.Messages[2].ToolName, all.Messages[2].Content));
        Assert.Equal([3L, 4L], page.Messages.Select(m => m.Sequence));
    }

    [Fact]
    public async Task The_user_stream_resumes_after_the_last_event_id_without_missing_or_repeating_anything()
    {
        var tasks = await ReadyAsync("streaming");
        var task = await tasks.CreateAsync("streaming", "stream it");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);
        var path = $"{TaskApi.Prefix}/{task.Id}/messages/stream";

        string lastId;
        await using (var stream = await SseReader.OpenAsync(fixture.Client, path, tasks.Api.Token))
        {
            var status = await stream.NextAsync();
            var prompt = await stream.NextAsync();
            await tasks.AppendAsync(token, TaskTestApi.Assistant("one"), TaskTestApi.Assistant("two"));
            var one = await stream.NextAsync();
            var two = await stream.NextAsync();
            await tasks.ReportAsync(token, AiTaskStatus.Idle);
            var idle = await stream.NextAsync();
            lastId = stream.LastEventId!;

            Assert.Equal("status", status!.Value.Type);
            Assert.Equal(AiTaskStatus.Initializing, JsonSerializer.Deserialize(status.Value.Data, TaskJsonContext.Default.AiTask)!.Status);
            Assert.Equal(("message", "stream it"), (prompt!.Value.Type, Message(prompt.Value.Data).Content));
            Assert.Equal(["one", "two"], new[] { one, two }.Select(e => Message(e!.Value.Data).Content));
            Assert.Equal(("status", AiTaskStatus.Idle), (idle!.Value.Type, JsonSerializer.Deserialize(idle.Value.Data, TaskJsonContext.Default.AiTask)!.Status));
            Assert.Equal("3", lastId);
        }

        // Written while no one listens.
        await tasks.AppendAsync(token, TaskTestApi.Assistant("three"), TaskTestApi.Assistant("four"));
        await using (var resumed = await SseReader.OpenAsync(fixture.Client, path, tasks.Api.Token, lastEventId: lastId))
        {
            var status = await resumed.NextAsync();
            var three = await resumed.NextAsync();
            var four = await resumed.NextAsync();

            Assert.Equal("status", status!.Value.Type);
            Assert.Equal([4L, 5L], new[] { three, four }.Select(e => Message(e!.Value.Data).Sequence));
            Assert.Equal("5", resumed.LastEventId);
        }

        await using var after = await SseReader.OpenAsync(fixture.Client, $"{path}?after=4", tasks.Api.Token);
        await after.NextAsync();
        Assert.Equal("four", Message((await after.NextAsync())!.Value.Data).Content);
    }

    [Fact]
    public async Task The_inbox_delivers_the_prompt_follow_ups_and_stops_and_resumes_after_the_last_one()
    {
        var tasks = await ReadyAsync("inbox");
        var task = await tasks.CreateAsync("inbox", "first prompt");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);
        var path = AgentApi.Prefix + TaskApi.AgentTaskPath + "/inbox";

        await using (var inbox = await SseReader.OpenAsync(fixture.Client, path, token))
        {
            var prompt = await inbox.NextAsync();
            await tasks.AppendAsync(token, TaskTestApi.Assistant("the agent's own text is not in its inbox"));
            await SendAsync(tasks, task.Id, "and another thing");
            var followUp = await inbox.NextAsync();
            using (var stop = await tasks.Api.SendAsync(HttpMethod.Post, $"{TaskApi.Prefix}/{task.Id}/stop"))
            {
                Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
            }

            var stopped = await inbox.NextAsync();

            Assert.Equal(("message", "first prompt", "1"), (prompt!.Value.Type, Message(prompt.Value.Data).Content, "1"));
            Assert.Equal(("message", "and another thing"), (followUp!.Value.Type, Message(followUp.Value.Data).Content));
            Assert.Equal("stop", stopped!.Value.Type);
            Assert.NotNull(JsonSerializer.Deserialize(stopped.Value.Data, TaskJsonContext.Default.TaskStopEvent));
            Assert.Equal("4", inbox.LastEventId);
        }

        await using var resumed = await SseReader.OpenAsync(fixture.Client, $"{path}?after=3", token);
        var again = await resumed.NextAsync();
        Assert.Equal(("stop", "4"), (again!.Value.Type, resumed.LastEventId));
    }

    [Fact]
    public async Task Deleting_the_task_deletes_its_workspace_and_the_task_goes_with_it()
    {
        var tasks = await ReadyAsync("delete-task");
        var task = await tasks.CreateAsync("delete-task", "short-lived");
        await tasks.CompleteBuildAsync(task.WorkspaceId);

        var build = await tasks.Api.ReadAsync<WorkspaceBuild>(HttpMethod.Delete, $"{TaskApi.Prefix}/{task.Id}", expect: HttpStatusCode.Accepted);
        var deleting = await tasks.GetAsync(task.Id);
        await tasks.CompleteBuildAsync(task.WorkspaceId);
        using var gone = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}");
        var workspace = await tasks.Api.GetWorkspaceAsync(task.WorkspaceId);

        Assert.Equal(WorkspaceTransition.Delete, build.Transition);
        Assert.Equal((AiTaskStatus.Stopped, "the workspace is being deleted"), (deleting.Status, deleting.StatusReason));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.True(workspace.Deleted);
        await AssertStoredNothingAsync(task.Id);
    }

    [Fact]
    public async Task Deleting_the_workspace_deletes_its_task()
    {
        var tasks = await ReadyAsync("delete-workspace");
        var task = await tasks.CreateAsync("delete-workspace", "also short-lived");
        await tasks.CompleteBuildAsync(task.WorkspaceId);

        await tasks.Api.BuildAsync(task.WorkspaceId, WorkspaceTransition.Delete);
        await tasks.CompleteBuildAsync(task.WorkspaceId);
        using var gone = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}");

        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await AssertStoredNothingAsync(task.Id);
    }

    [Fact]
    public async Task Members_see_and_drive_only_their_own_tasks()
    {
        var tasks = await ReadyAsync("shared-tasks");
        var ownerTask = await tasks.CreateAsync("shared-tasks", "the owner's");
        var (_, member) = await tasks.CreateMemberAsync("member-task");
        var memberApi = member.Api;
        var memberTask = await member.CreateAsync("shared-tasks", "the member's");

        var memberList = await memberApi.ReadAsync<AiTaskList>(HttpMethod.Get, TaskApi.Prefix);
        var ownerList = await tasks.Api.ReadAsync<AiTaskList>(HttpMethod.Get, TaskApi.Prefix);
        using var read = await memberApi.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{ownerTask.Id}");
        using var send = await memberApi.SendAsync(HttpMethod.Post, $"{TaskApi.Prefix}/{ownerTask.Id}/send", new SendTaskMessageRequest { Content = "hi" });
        using var delete = await memberApi.SendAsync(HttpMethod.Delete, $"{TaskApi.Prefix}/{ownerTask.Id}");

        Assert.Equal([memberTask.Id], memberList.Tasks.Select(t => t.Id));
        Assert.Contains(ownerList.Tasks, t => t.Id == memberTask.Id);
        Assert.Contains(ownerList.Tasks, t => t.Id == ownerTask.Id);
        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound], new[] { read.StatusCode, send.StatusCode, delete.StatusCode });
    }

    private static TaskMessage Message(string data) => JsonSerializer.Deserialize(data, TaskJsonContext.Default.TaskMessage)!;

    private static async Task SendAsync(TaskTestApi tasks, Guid taskId, string content)
    {
        using var response = await tasks.Api.SendAsync(HttpMethod.Post, $"{TaskApi.Prefix}/{taskId}/send", new SendTaskMessageRequest { Content = content });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<AgentTask> ReadAgentTaskAsync(TaskTestApi tasks, string token)
    {
        using var response = await tasks.AgentAsync(token, HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), TaskJsonContext.Default.AgentTask)!;
    }

    /// <summary>Neither the task row nor any of its messages is left in the database.</summary>
    private async Task AssertStoredNothingAsync(Guid taskId)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM tasks WHERE id = $1) + (SELECT count(*) FROM task_messages WHERE task_id = $1)");
        command.Parameters.AddWithValue(taskId);
        Assert.Equal(0L, await command.ExecuteScalarAsync().WithTimeout());
    }
}
