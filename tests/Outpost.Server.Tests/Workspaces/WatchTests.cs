using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class WatchTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task Watching_a_workspace_streams_its_state_after_every_change()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "watched");
        var workspace = await api.CreateWorkspaceAsync("watched-ws", "watched");
        await using var watch = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspaces/{workspace.Id}/watch", api.Token);

        var initial = await watch.NextAsync(OutpostJsonContext.Default.Workspace);
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var starting = await watch.NextAsync(OutpostJsonContext.Default.Workspace);
        await Daemon.CompleteBuildAsync(job, []);
        var running = await watch.NextAsync(OutpostJsonContext.Default.Workspace);

        Assert.Equal(WorkspaceStatus.Pending, initial.Status);
        Assert.Equal(WorkspaceStatus.Starting, starting.Status);
        Assert.Equal(WorkspaceStatus.Running, running.Status);
    }

    [Fact]
    public async Task Watch_all_streams_build_updates_of_every_visible_workspace()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "watch-all");
        await using var watch = await SseReader.OpenAsync(fixture.Client, "/api/v2/workspaces/watch-all", api.Token);

        var workspace = await api.CreateWorkspaceAsync("all-ws", "watch-all");
        var queued = await watch.NextAsync(OutpostJsonContext.Default.WorkspaceBuildUpdate);

        Assert.Equal(workspace.Id, queued.WorkspaceId);
        Assert.Equal("all-ws", queued.WorkspaceName);
        Assert.Equal(ProvisionerJobStatus.Pending, queued.JobStatus);
        Assert.Equal(1, queued.BuildNumber);
        Assert.Equal(WorkspaceTransition.Start, queued.Transition);
    }

    [Fact]
    public async Task Following_build_logs_streams_each_line_and_ends_when_the_job_completes()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "logged");
        var workspace = await api.CreateWorkspaceAsync("logged-ws", "logged");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        await Daemon.UpdateAsync(job.JobId, "one");
        await using var logs = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);

        var first = await logs.NextAsync(OutpostJsonContext.Default.ProvisionerJobLog);
        await Daemon.UpdateAsync(job.JobId, "two", "three");
        var second = await logs.NextAsync(OutpostJsonContext.Default.ProvisionerJobLog);
        var third = await logs.NextAsync(OutpostJsonContext.Default.ProvisionerJobLog);
        await Daemon.CompleteBuildAsync(job, []);
        var end = await logs.NextAsync();
        var after = await logs.NextAsync();

        Assert.Equal(["one", "two", "three"], new[] { first, second, third }.Select(l => l.Output));
        Assert.True(first.Id < second.Id && second.Id < third.Id);
        Assert.Equal("end", end?.Type);
        Assert.Null(after);
    }

    [Fact]
    public async Task A_watch_resends_the_current_state_after_the_database_connection_is_lost()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "resync");
        var workspace = await api.CreateWorkspaceAsync("resync-ws", "resync");
        await using var watch = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspaces/{workspace.Id}/watch", api.Token);
        Assert.Equal(WorkspaceStatus.Pending, (await watch.NextAsync(OutpostJsonContext.Default.Workspace)).Status);

        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync().WithTimeout();
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'outpost-pubsub' AND datname = current_database()", connection);
            Assert.Equal(1L, await terminate.ExecuteScalarAsync().WithTimeout());
        }

        // While the listener is down this change's notification is lost; the reconnect's dropped
        // marker makes the watch read and send the current state instead.
        (await api.SendAsync(HttpMethod.Patch, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/cancel")).Dispose();
        var next = watch.NextAsync(OutpostJsonContext.Default.Workspace);
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (!next.IsCompleted && !deadline.IsCancellationRequested)
        {
            // The listener's reconnect back-off runs on the server's fake clock.
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token)).WithTimeout();
        }

        Assert.Equal(WorkspaceStatus.Canceled, (await next.WithTimeout()).Status);
    }

    [Fact]
    public async Task A_follower_and_a_watch_catch_up_on_a_change_whose_message_was_lost()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "lost-end");
        var workspace = await api.CreateWorkspaceAsync("lost-end-ws", "lost-end");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        await Daemon.UpdateAsync(job.JobId, "only line");
        await using var logs = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);
        await using var watch = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspaces/{workspace.Id}/watch", api.Token);
        Assert.Equal("only line", (await logs.NextAsync(OutpostJsonContext.Default.ProvisionerJobLog)).Output);
        Assert.Equal(WorkspaceStatus.Starting, (await watch.NextAsync(OutpostJsonContext.Default.Workspace)).Status);

        // The job completes and nothing is published, as when a server dies between a commit and its publish.
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync().WithTimeout();
            await using var complete = new NpgsqlCommand("UPDATE provisioner_jobs SET completed_at = started_at WHERE id = $1", connection);
            complete.Parameters.Add(new() { Value = job.JobId });
            Assert.Equal(1, await complete.ExecuteNonQueryAsync().WithTimeout());
        }

        // Both re-read after a quiet interval on the server's (fake) clock.
        var end = logs.NextAsync();
        var state = watch.NextAsync(OutpostJsonContext.Default.Workspace);
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (!(end.IsCompleted && state.IsCompleted) && !deadline.IsCancellationRequested)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(Task.WhenAll(end, state), Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token)).WithTimeout();
        }

        Assert.Equal("end", (await end.WithTimeout())?.Type);
        Assert.Equal(WorkspaceStatus.Running, (await state.WithTimeout()).Status);
    }

    [Fact]
    public async Task A_jobs_log_and_end_messages_are_published_only_once_someone_follows_it()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "followed");
        var quiet = await api.CreateWorkspaceAsync("unfollowed-ws", "followed");
        var quietJob = await Daemon.AcquireAsync(quiet.LatestBuild.Job.Id);
        var pubsub = fixture.Service<PostgresPubsub>();
        await using var quietChannel = await pubsub.SubscribeAsync(JobEvents.JobChannel(quietJob.JobId), TestTimeouts.Token()).WithTimeout();
        await Daemon.UpdateAsync(quietJob.JobId, "nobody reads this");
        await Daemon.CompleteBuildAsync(quietJob, []);

        var watched = await api.CreateWorkspaceAsync("followed-ws", "followed");
        var watchedJob = await Daemon.AcquireAsync(watched.LatestBuild.Job.Id);
        await using var logs = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspacebuilds/{watched.LatestBuild.Id}/logs?follow=true", api.Token);
        await Daemon.UpdateAsync(watchedJob.JobId, "someone reads this");
        Assert.Equal("someone reads this", (await logs.NextAsync(OutpostJsonContext.Default.ProvisionerJobLog)).Output);
        await Daemon.CompleteBuildAsync(watchedJob, []);
        Assert.Equal("end", (await logs.NextAsync())?.Type);

        // Both jobs' changes reached the workspace channels; only the followed one used its own.
        // The follow's messages have been delivered (the SSE saw them), so the unfollowed
        // channel, subscribed earlier on the same listener, would have had its messages by now.
        Assert.False(quietChannel.Reader.TryRead(out var message), $"unexpected message on an unfollowed job: {message.Payload}");
    }
}
