using System.Net;
using Outpost.Testing;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Server.Tests.Workspaces;

public sealed class WorkspaceTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task Creating_a_workspace_queues_build_one_and_success_makes_it_running()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "lifecycle");

        var created = await api.CreateWorkspaceAsync("dev", "lifecycle", ("greeting", "hi"));
        var job = await Daemon.AcquireAsync(created.LatestBuild.Job.Id);
        var starting = await api.GetWorkspaceAsync(created.Id);
        await Daemon.CompleteBuildAsync(job, [1, 2, 3]);
        var running = await api.GetWorkspaceAsync(created.Id);

        Assert.Equal(WorkspaceStatus.Pending, created.Status);
        Assert.Equal(1, created.LatestBuild.BuildNumber);
        Assert.Equal(WorkspaceTransition.Start, created.LatestBuild.Transition);
        Assert.Equal([("greeting", "hi"), ("size", "1")], created.LatestBuild.Parameters.Select(p => (p.Name, p.Value)));
        Assert.Equal(WorkspaceStatus.Starting, starting.Status);
        Assert.Equal(WorkspaceStatus.Running, running.Status);
        Assert.Equal("dev", job.WorkspaceBuild!.WorkspaceName);
        Assert.Equal("owner", job.WorkspaceBuild.OwnerName);
        Assert.Empty(job.WorkspaceBuild.PreviousState);
        Assert.StartsWith("http://127.0.0.1:", job.WorkspaceBuild.AccessUrl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad Name", "not valid")]
    [InlineData("", "name is required")]
    [InlineData("a-very-long-workspace-name-that-goes-on", "the limit is 32")]
    public async Task Invalid_names_are_refused_with_what_would_be_accepted(string name, string expected)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await api.CreateWorkspaceRawAsync(name, "whatever");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await WorkspaceApi.ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_parameters_are_refused_naming_them_with_a_suggestion_and_nothing_is_created()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "params");

        using var response = await api.CreateWorkspaceRawAsync("typo", "params", ("greting", "hi"), ("size", "3"));
        using var lookup = await api.SendAsync(HttpMethod.Get, "/api/v2/users/me/workspace/typo");

        var detail = (await WorkspaceApi.ProblemAsync(response)).Detail;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown parameter \"greting\" (did you mean \"greeting\"?)", detail, StringComparison.Ordinal);
        Assert.Contains("\"3\" is not one of the options", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task A_template_without_an_imported_active_version_cannot_be_built()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.CreateTemplateAsync("empty-template");

        using var response = await api.CreateWorkspaceRawAsync("nothing", "empty-template");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("has no active version", (await WorkspaceApi.ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_are_unique_per_owner_and_unknown_names_get_suggestions()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "unique");
        await api.CreateWorkspaceAsync("frontend", "unique");

        using var again = await api.CreateWorkspaceRawAsync("frontend", "unique");
        using var typo = await api.SendAsync(HttpMethod.Get, "/api/v2/users/me/workspace/frontnd");

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, typo.StatusCode);
        Assert.Contains("did you mean \"frontend\"", (await WorkspaceApi.ProblemAsync(typo)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_build_while_one_is_active_answers_409_and_later_builds_are_numbered_in_order()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "busy");
        var workspace = await api.CreateWorkspaceAsync("busy-ws", "busy");

        using var refused = await api.BuildRawAsync(workspace.Id, WorkspaceTransition.Stop);
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id), [1]);
        var stop = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        var stopJob = await Daemon.AcquireAsync(stop.Job.Id);
        await Daemon.CompleteBuildAsync(stopJob, [2]);
        var stopped = await api.GetWorkspaceAsync(workspace.Id);
        var start = await api.BuildAsync(workspace.Id, WorkspaceTransition.Start);
        var startJob = await Daemon.AcquireAsync(start.Job.Id);
        var builds = await api.ReadAsync<List<WorkspaceBuild>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/builds");
        var one = await api.ReadAsync<WorkspaceBuild>(HttpMethod.Get, $"/api/v2/workspacebuilds/{stop.Id}");

        Assert.Equal([3, 2, 1], builds.Select(b => b.BuildNumber));
        Assert.Equal((WorkspaceTransition.Stop, WorkspaceStatus.Stopped), (one.Transition, one.Status));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("build #1 (start) is still pending", (await WorkspaceApi.ProblemAsync(refused)).Detail, StringComparison.Ordinal);
        Assert.Equal(2, stop.BuildNumber);
        Assert.Equal(WorkspaceStatus.Stopped, stopped.Status);
        Assert.Equal(3, start.BuildNumber);
        Assert.Equal([1], stopJob.WorkspaceBuild!.PreviousState);
        Assert.Equal([2], startJob.WorkspaceBuild!.PreviousState);
        Assert.Equal(workspace.LatestBuild.Parameters, start.Parameters);
    }

    [Fact]
    public async Task A_successful_delete_build_hides_the_workspace_and_frees_its_name()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "deleting");
        var workspace = await api.CreateWorkspaceAsync("doomed", "deleting");
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id), [1]);

        var delete = await api.BuildAsync(workspace.Id, WorkspaceTransition.Delete);
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(delete.Job.Id), []);
        var deleted = await api.GetWorkspaceAsync(workspace.Id);
        var list = await api.ReadAsync<WorkspacesResponse>(HttpMethod.Get, "/api/v2/workspaces?template=deleting");
        var reborn = await api.CreateWorkspaceAsync("doomed", "deleting");

        Assert.Equal(WorkspaceStatus.Deleted, deleted.Status);
        Assert.True(deleted.Deleted);
        Assert.DoesNotContain(list.Workspaces, w => w.Id == workspace.Id);
        Assert.NotEqual(workspace.Id, reborn.Id);
    }

    [Fact]
    public async Task Canceling_a_pending_build_cancels_it_at_once_and_a_running_one_tells_its_daemon()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "canceling");
        var running = await api.CreateWorkspaceAsync("cancel-running", "canceling");
        var job = await Daemon.AcquireAsync(running.LatestBuild.Job.Id);
        var pending = await api.CreateWorkspaceAsync("cancel-pending", "canceling");

        var canceledPending = await api.ReadAsync<WorkspaceBuild>(HttpMethod.Patch, $"/api/v2/workspacebuilds/{pending.LatestBuild.Id}/cancel");
        var canceling = await api.ReadAsync<WorkspaceBuild>(HttpMethod.Patch, $"/api/v2/workspacebuilds/{running.LatestBuild.Id}/cancel");
        var heartbeat = await Daemon.UpdateAsync(job.JobId, "stopping early");
        using var again = await api.SendAsync(HttpMethod.Patch, $"/api/v2/workspacebuilds/{pending.LatestBuild.Id}/cancel");
        (await Daemon.FailAsync(job.JobId, "canceled by the user", "canceled")).Dispose();
        var after = await api.GetWorkspaceAsync(running.Id);

        Assert.Equal(WorkspaceStatus.Canceled, canceledPending.Status);
        Assert.Equal(WorkspaceStatus.Canceling, canceling.Status);
        Assert.True(heartbeat.Canceled);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(WorkspaceStatus.Canceled, after.Status);
        Assert.Equal("canceled", after.LatestBuild.Job.ErrorCode);
    }

    [Fact]
    public async Task Lists_filter_by_template_and_status_and_page_with_after()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "listing");
        var first = await api.CreateWorkspaceAsync("list-a", "listing");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await api.CreateWorkspaceAsync("list-b", "listing");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var third = await api.CreateWorkspaceAsync("list-c", "listing");
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(second.LatestBuild.Job.Id), []);

        var page1 = await api.ReadAsync<WorkspacesResponse>(HttpMethod.Get, "/api/v2/workspaces?template=listing&limit=2");
        var page2 = await api.ReadAsync<WorkspacesResponse>(HttpMethod.Get, $"/api/v2/workspaces?template=listing&limit=2&after={page1.NextAfter}");
        var running = await api.ReadAsync<WorkspacesResponse>(HttpMethod.Get, "/api/v2/workspaces?template=listing&status=running&owner=me");
        using var badStatus = await api.SendAsync(HttpMethod.Get, "/api/v2/workspaces?status=runing");

        Assert.Equal([first.Id, second.Id], page1.Workspaces.Select(w => w.Id));
        Assert.Equal([third.Id], page2.Workspaces.Select(w => w.Id));
        Assert.Null(page2.NextAfter);
        Assert.Equal([second.Id], running.Workspaces.Select(w => w.Id));
        Assert.Contains("did you mean \"running\"", (await WorkspaceApi.ProblemAsync(badStatus)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_see_and_manage_only_their_own_workspaces()
    {
        var owner = await WorkspaceApi.LoginAsync(fixture.Client);
        await owner.ReadyTemplateAsync(Daemon, "shared");
        var ownersWorkspace = await owner.CreateWorkspaceAsync("owners", "shared");
        using var created = await owner.SendAsync(HttpMethod.Post, "/api/v2/users",
            new Outpost.Sdk.Users.CreateUserRequest { Email = "member-w@example.com", Username = "member-w", Password = "member-password-1" });
        var member = await WorkspaceApi.LoginAsync(fixture.Client, "member-w@example.com", "member-password-1");

        var mine = await member.CreateWorkspaceAsync("mine", "shared");
        var list = await member.ReadAsync<WorkspacesResponse>(HttpMethod.Get, "/api/v2/workspaces");
        using var other = await member.SendAsync(HttpMethod.Get, $"/api/v2/workspaces/{ownersWorkspace.Id}");
        using var stopOther = await member.BuildRawAsync(ownersWorkspace.Id, WorkspaceTransition.Stop);

        Assert.Equal([mine.Id], list.Workspaces.Select(w => w.Id));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, stopOther.StatusCode);
    }
}
