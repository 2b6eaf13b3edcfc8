using System.Net;
using System.Text.Json;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Tasks;

/// <summary>The conversation a restarted task agent resumes from, and the user stream following the workspace's builds.</summary>
public sealed class TaskConversationTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    [Fact]
    public async Task The_conversation_holds_what_the_agent_answered_and_resumes_after_its_last_message_or_the_last_stop()
    {
        var tasks = await TaskTestApi.ReadyAsync(fixture, "resume");
        var task = await tasks.CreateAsync("resume", "Write the README");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);

        var fresh = await ConversationAsync(tasks, token);
        await tasks.AppendAsync(token, TaskTestApi.Assistant("Writing it."),
            new NewTaskMessage { Kind = TaskMessageKind.ToolCall, ToolName = "write_file", Content = "README.md (12 characters)" });
        await tasks.ReportAsync(token, AiTaskStatus.Idle);
        await SendAsync(tasks, task.Id, "and a LICENSE");
        var pending = await ConversationAsync(tasks, token);
        await StopAsync(tasks, task.Id);
        var stopped = await ConversationAsync(tasks, token);
        using var withUserToken = await tasks.AgentAsync(tasks.Api.Token, HttpMethod.Get, "/conversation");

        // Nothing answered yet: the agent reads the inbox from the start.
        Assert.Equal(0, fresh.ResumeAfter);
        Assert.Null(fresh.LastStatus);
        Assert.Empty(fresh.Messages);

        // The follow-up (4) is after the agent's last message (3): it is still to run; the conversation stops before it.
        Assert.Equal(3, pending.ResumeAfter);
        Assert.Equal([1L, 2L, 3L], pending.Messages.Select(m => m.Sequence));
        Assert.Equal(("write_file", "README.md (12 characters)"), (pending.Messages[2].ToolName, pending.Messages[2].Content));
        Assert.Equal(AiTaskStatus.Idle, pending.LastStatus);
        Assert.False(pending.Truncated);

        // A stop (5) ends what came before it: the follow-up is not run again either; the stop record is not conversation.
        Assert.Equal(5, stopped.ResumeAfter);
        Assert.Equal([1L, 2L, 3L, 4L], stopped.Messages.Select(m => m.Sequence));
        Assert.Equal(HttpStatusCode.Unauthorized, withUserToken.StatusCode);
    }

    [Fact]
    public async Task A_long_conversation_is_bounded_newest_first_and_always_keeps_the_prompt()
    {
        var tasks = await TaskTestApi.ReadyAsync(fixture, "resume-long");
        var task = await tasks.CreateAsync("resume-long", "the prompt");
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);
        var big = new string('x', 60 * 1024);
        for (var i = 0; i < 10; i++)
        {
            await tasks.AppendAsync(token, TaskTestApi.Assistant($"{i}{big}"));
        }

        var conversation = await ConversationAsync(tasks, token);

        Assert.True(conversation.Truncated);
        Assert.Equal(11, conversation.ResumeAfter);
        Assert.Equal("the prompt", conversation.Messages[0].Content);
        Assert.Equal(11, conversation.Messages[^1].Sequence);
        Assert.InRange(conversation.Messages.Sum(m => (long)m.Content.Length), 1, Outpost.Server.Tasks.AgentTaskConversationEndpoint.MaxChars + 100);
        Assert.InRange(conversation.Messages.Count, 3, 10);
    }

    [Fact]
    public async Task The_user_stream_sends_a_status_event_whenever_the_workspace_build_changes()
    {
        var tasks = await TaskTestApi.ReadyAsync(fixture, "watch-builds");
        var task = await tasks.CreateAsync("watch-builds", "watch me");
        var workspace = await tasks.Api.GetWorkspaceAsync(task.WorkspaceId);
        await using var stream = await SseReader.OpenAsync(fixture.Client, $"{TaskApi.Prefix}/{task.Id}/messages/stream", tasks.Api.Token);
        var pending = await NextStatusAsync(stream);

        var job = await tasks.Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var building = await NextStatusAsync(stream);
        await tasks.Daemon.CompleteBuildAsync(job, [],
            new ProvisionedResource { Name = "main", Type = "local_agent_process", Agents = [new ProvisionedAgent { Name = "main", AuthToken = $"task-agent-{Guid.NewGuid():N}" }] });
        var built = await NextStatusAsync(stream);
        await tasks.Api.BuildAsync(task.WorkspaceId, WorkspaceTransition.Stop);
        var stopping = await NextStatusAsync(stream);

        Assert.Equal(AiTaskStatus.Pending, pending.Status);
        Assert.Equal((AiTaskStatus.Initializing, "the workspace is building"), (building.Status, building.StatusReason));
        Assert.Equal((AiTaskStatus.Initializing, "waiting for the task agent to start"), (built.Status, built.StatusReason));
        Assert.Equal((AiTaskStatus.Stopped, "the workspace was stopped"), (stopping.Status, stopping.StatusReason));
    }

    [Fact]
    public async Task Sending_a_message_writes_the_seat_once_per_window_on_the_fake_clock()
    {
        var tasks = await TaskTestApi.ReadyAsync(fixture, "seat-send");
        var store = fixture.Service<Outpost.Server.Tasks.AiSeatStore>();
        var (user, member) = await tasks.CreateMemberAsync("member-send");
        var task = await member.CreateAsync("seat-send", "take a seat first");
        var created = await SeatOfAsync(store, user);

        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        await SendAsync(member, task.Id, "within the window");
        var within = await SeatOfAsync(store, user);

        fixture.Clock.Advance(Outpost.Server.Tasks.AiSeatTracker.ThrottleInterval);
        var relogged = await WorkspaceApi.LoginAsync(fixture.Client, "member-send@example.com", "member-password-1");
        await SendAsync(new TaskTestApi(fixture.Client, relogged, tasks.Daemon), task.Id, "after the window");
        var after = await SeatOfAsync(store, user);

        Assert.Equal(created, within);
        Assert.Equal((AiSeatUsage.Task, $"sent a message to task {task.Id}"), (after.LastEventType, after.LastEventDescription));
        Assert.Equal(fixture.Clock.GetUtcNow().ToUnixTimeMilliseconds(), after.LastUsedAt.ToUnixTimeMilliseconds());
        Assert.Equal(created.FirstUsedAt, after.FirstUsedAt);
    }

    private static async Task<AiSeat> SeatOfAsync(Outpost.Server.Tasks.AiSeatStore store, Guid user) =>
        Assert.Single(await store.ListAsync(CancellationToken.None).WithTimeout(), seat => seat.UserId == user);

    /// <summary>The next status event, skipping messages (the prompt).</summary>
    private static async Task<AiTask> NextStatusAsync(SseReader stream)
    {
        while (await stream.NextAsync() is { } item)
        {
            if (item.Type == "status")
            {
                return JsonSerializer.Deserialize(item.Data, TaskJsonContext.Default.AiTask)!;
            }
        }

        throw new InvalidOperationException("the stream ended before a status event");
    }

    private static async Task<AgentTaskConversation> ConversationAsync(TaskTestApi tasks, string token)
    {
        using var response = await tasks.AgentAsync(token, HttpMethod.Get, "/conversation");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), TaskJsonContext.Default.AgentTaskConversation)!;
    }

    private static async Task SendAsync(TaskTestApi tasks, Guid taskId, string content)
    {
        using var response = await tasks.Api.SendAsync(HttpMethod.Post, $"{TaskApi.Prefix}/{taskId}/send", new SendTaskMessageRequest { Content = content });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static async Task StopAsync(TaskTestApi tasks, Guid taskId)
    {
        using var response = await tasks.Api.SendAsync(HttpMethod.Post, $"{TaskApi.Prefix}/{taskId}/stop");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
