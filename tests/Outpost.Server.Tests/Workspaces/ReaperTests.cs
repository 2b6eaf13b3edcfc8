using System.Net;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.ProvisionerJobs;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class ReaperTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    private JobReaper Reaper => fixture.Service<JobReaper>();

    [Fact]
    public async Task A_running_job_without_updates_for_five_minutes_is_failed_and_the_workspace_can_be_rebuilt()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "hung");
        var workspace = await api.CreateWorkspaceAsync("hung-ws", "hung");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        await Daemon.UpdateAsync(job.JobId, "applying");

        fixture.Clock.Advance(TimeSpan.FromMinutes(4));
        await Reaper.RunOnceAsync(TestTimeouts.Token()).WithTimeout();
        var stillRunning = await api.GetWorkspaceAsync(workspace.Id);
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        await Reaper.RunOnceAsync(TestTimeouts.Token()).WithTimeout();
        var reaped = await api.GetWorkspaceAsync(workspace.Id);
        var logs = await api.ReadAsync<List<ProvisionerJobLog>>(HttpMethod.Get, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs");
        using var lateUpdate = await Daemon.PostAsync($"/jobs/{job.JobId}/update", new UpdateJobRequest());
        var rebuild = await api.BuildAsync(workspace.Id, WorkspaceTransition.Start);

        Assert.Equal(WorkspaceStatus.Starting, stillRunning.Status);
        Assert.Equal(WorkspaceStatus.Failed, reaped.Status);
        Assert.Equal("Outpost: Build has been detected as hung for 5 minutes and has been terminated by the reaper.", reaped.LatestBuild.Job.Error);
        Assert.Equal(
            ["applying", "", "====================", "Outpost: Build has been detected as hung for 5 minutes and will be terminated.", "====================", ""],
            logs.Select(l => l.Output));
        Assert.All(logs.Skip(1), l => Assert.Equal(("Testing", ProvisionerLogLevel.Error, ProvisionerLogSource.ProvisionerDaemon), (l.Stage, l.Level, l.Source)));
        Assert.Equal(HttpStatusCode.Conflict, lateUpdate.StatusCode);
        Assert.Equal(2, rebuild.BuildNumber);
    }

    [Fact]
    public async Task A_pending_job_untouched_for_thirty_minutes_is_failed_with_a_start_time()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("never-imported");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync("name: never\n"));

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        await Reaper.RunOnceAsync(TestTimeouts.Token()).WithTimeout();
        var reaped = await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}");
        var logs = await api.ReadAsync<List<ProvisionerJobLog>>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}/logs");

        Assert.Equal(ProvisionerJobStatus.Failed, reaped.Job.Status);
        Assert.NotNull(reaped.Job.StartedAt);
        Assert.Contains("detected as pending for 30 minutes", reaped.Job.Error, StringComparison.Ordinal);
        Assert.Equal("Unknown", logs[0].Stage);
    }

    [Fact]
    public async Task Passes_racing_like_replicas_reap_a_job_once()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("raced-reap");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync("name: raced\n"));

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Reaper.RunOnceAsync(TestTimeouts.Token()))).WithTimeout();
        var logs = await api.ReadAsync<List<ProvisionerJobLog>>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}/logs");

        Assert.Equal(5, logs.Count);
    }

    [Fact]
    public async Task Jobs_that_keep_heartbeating_are_left_alone()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "alive");
        var workspace = await api.CreateWorkspaceAsync("alive-ws", "alive");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);

        for (var i = 0; i < 3; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(4));
            await Daemon.UpdateAsync(job.JobId, $"still working {i}");
            await Reaper.RunOnceAsync(TestTimeouts.Token()).WithTimeout();
        }

        Assert.Equal(WorkspaceStatus.Starting, (await api.GetWorkspaceAsync(workspace.Id)).Status);
    }
}

/// <summary>A server whose reaper runs every 30 s of its fake clock.</summary>
public sealed class ReaperLoopFixture : WorkspaceServerFixture
{
    protected override TimeSpan ReaperInterval => TimeSpan.FromSeconds(30);
}

public sealed class ReaperLoopTests(ReaperLoopFixture fixture) : IClassFixture<ReaperLoopFixture>
{
    [Fact]
    public async Task The_background_loop_reaps_when_the_clock_passes_its_interval()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("loop");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync("name: loop\n"));
        var reaper = fixture.Service<JobReaper>();

        // Jumping 31 minutes fires many due ticks; the periodic timer folds them into one pass.
        var pass = reaper.NextPassAsync();
        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        await pass.WithTimeout();
        var status = (await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}")).Job.Status;
        if (status != ProvisionerJobStatus.Failed)
        {
            // The pass that finished may have started before the jump; the tick it left behind runs the next one.
            pass = reaper.NextPassAsync();
            fixture.Clock.Advance(TimeSpan.FromSeconds(30));
            await pass.WithTimeout();
            status = (await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}")).Job.Status;
        }

        Assert.Equal(ProvisionerJobStatus.Failed, status);
    }
}
