using Outpost.Sdk.Templates;
using Outpost.Server.Prebuilds;
using Outpost.Server.Tests.Workspaces;
using Outpost.Server.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Prebuilds;

/// <summary>The reconciler against the real database: a pass cut short, failing creations, inactive versions.</summary>
public sealed class PrebuildReconcilerTests(PrebuildServerFixture fixture) : IClassFixture<PrebuildServerFixture>
{
    private readonly PrebuildTestBed _bed = new(fixture);

    private async Task<List<PrebuildRow>> PrebuildsOfAsync(Guid versionId) =>
        [.. (await fixture.Service<WorkspaceStore>().ListPrebuildsAsync(TestTimeouts.Token())).Where(p => p.VersionId == versionId)];

    [Fact]
    public async Task A_pass_cut_short_after_its_first_creation_leaves_nothing_the_next_pass_duplicates()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (_, version) = await api.ReadyTemplateAsync(_bed.Daemon, "cut", PrebuildTestBed.PoolYaml(3));

        // The process dies (here: the pass throws) right after the first workspace was created.
        _bed.Reconciler.AfterAction = _ => throw new OperationCanceledException("the server went away mid-pass");
        try
        {
            await Assert.ThrowsAsync<OperationCanceledException>(() => _bed.Reconciler.ReconcileAsync(TestTimeouts.Token()));
        }
        finally
        {
            _bed.Reconciler.AfterAction = null;
        }

        Assert.Single(await PrebuildsOfAsync(version.Id));
        var next = await _bed.ReconcileAsync();
        Assert.Equal(2, next.Plan!.Actions.OfType<CreatePrebuild>().Count(a => a.VersionId == version.Id));
        Assert.Equal(3, (await PrebuildsOfAsync(version.Id)).Count);
        var settled = await _bed.ReconcileAsync();
        Assert.DoesNotContain(settled.Plan!.Actions.OfType<CreatePrebuild>(), a => a.VersionId == version.Id);
        await _bed.CompleteQueuedAsync();
    }

    [Fact]
    public async Task Failing_creations_back_off_30_s_doubling_and_stop_after_five_and_the_preset_reports_it()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (template, version) = await api.ReadyTemplateAsync(_bed.Daemon, "failing", PrebuildTestBed.PoolYaml(1));
        bool FailCreation(Sdk.Provisioning.AcquiredJob job) => job.WorkspaceBuild is { PrebuildStage: Sdk.Provisioning.PrebuildStage.Create } build
            && build.TemplateName == "failing";

        var waits = new List<TimeSpan>();
        for (var failure = 1; failure <= PrebuildPlanner.FailureLimit; failure++)
        {
            var pass = await _bed.ReconcileAsync();
            Assert.Single(pass.Plan!.Actions.OfType<CreatePrebuild>(), a => a.VersionId == version.Id);
            await _bed.CompleteQueuedAsync(FailCreation);

            // Until the backoff has passed, no creation; the failed prebuild is deleted.
            var backingOff = await _bed.ReconcileAsync();
            var pool = backingOff.Plan!.Pools.Single(p => p.Target.VersionId == version.Id && p.Target.Preset == "small");
            Assert.Equal(failure, pool.Failed);
            Assert.DoesNotContain(backingOff.Plan.Actions.OfType<CreatePrebuild>(), a => a.VersionId == version.Id);
            await _bed.CompleteQueuedAsync(FailCreation);
            if (failure == PrebuildPlanner.FailureLimit)
            {
                Assert.Equal(PrebuildPoolState.Stopped, pool.State);
                break;
            }

            Assert.Equal(PrebuildPoolState.Backoff, pool.State);
            var wait = pool.RetryAt!.Value - fixture.Clock.GetUtcNow();
            waits.Add(wait);
            fixture.Clock.Advance(wait - TimeSpan.FromSeconds(1));
            Assert.DoesNotContain((await _bed.ReconcileAsync()).Plan!.Actions.OfType<CreatePrebuild>(), a => a.VersionId == version.Id);
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([30, 60, 120, 240], waits.Select(w => (int)Math.Round(w.TotalSeconds)));

        // Stopped stays stopped, however long one waits, and the API says so.
        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.DoesNotContain((await _bed.ReconcileAsync()).Plan!.Actions.OfType<CreatePrebuild>(), a => a.VersionId == version.Id);
        api = await WorkspaceApi.LoginAsync(fixture.Client);
        var small = (await PrebuildTestBed.PresetsAsync(api, template.Name)).Single(p => p.Name == "small");
        Assert.Equal((PrebuildPoolState.Stopped, PrebuildPlanner.FailureLimit, 0), (small.State, small.Failed, small.Running));
    }

    [Fact]
    public async Task Activating_a_new_version_deletes_the_old_version_s_prebuilds_and_fills_the_new_one()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (template, first) = await api.ReadyTemplateAsync(_bed.Daemon, "versions", PrebuildTestBed.PoolYaml(2));
        await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync();
        var old = (await PrebuildsOfAsync(first.Id)).Where(p => p.Kind == PrebuildKind.Ready).Select(p => p.WorkspaceId).ToHashSet();
        Assert.Equal(2, old.Count);

        var second = await api.CreateVersionAsync(template.Id, await api.UploadAsync(PrebuildTestBed.PoolYaml(1, agent: "dev")));
        await _bed.Daemon.CompleteImportAsync(await _bed.Daemon.AcquireAsync(second.Job.Id));
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = second.Id });

        var pass = await _bed.ReconcileAsync();
        Assert.Equal(old, pass.Plan!.Actions.OfType<DeletePrebuild>().Select(a => a.WorkspaceId).Where(old.Contains).ToHashSet());
        Assert.Single(pass.Plan.Actions.OfType<CreatePrebuild>(), a => a.VersionId == second.Id);
        await _bed.CompleteQueuedAsync();
        Assert.Empty(await PrebuildsOfAsync(first.Id));
        Assert.Single(await PrebuildsOfAsync(second.Id), p => p.Kind == PrebuildKind.Ready);
    }

    [Fact]
    public async Task A_failed_prebuild_delete_is_queued_again_after_the_backoff()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (template, first) = await api.ReadyTemplateAsync(_bed.Daemon, "undeletable", PrebuildTestBed.PoolYaml(1));
        await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync();
        var prebuild = Assert.Single(await PrebuildsOfAsync(first.Id), p => p.Kind == PrebuildKind.Ready).WorkspaceId;
        var second = await api.CreateVersionAsync(template.Id, await api.UploadAsync(PrebuildTestBed.PoolYaml(0)));
        await _bed.Daemon.CompleteImportAsync(await _bed.Daemon.AcquireAsync(second.Job.Id));
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = second.Id });
        bool FailDelete(Sdk.Provisioning.AcquiredJob job) => job.WorkspaceBuild is { WorkspaceId: var id } && id == prebuild;

        Assert.Contains((await _bed.ReconcileAsync()).Plan!.Actions.OfType<DeletePrebuild>(), a => a.WorkspaceId == prebuild);
        await _bed.CompleteQueuedAsync(FailDelete);
        var stuck = Assert.Single(await PrebuildsOfAsync(first.Id));

        // Not before the backoff (30 s after the failure), then once.
        fixture.Clock.Advance(TimeSpan.FromSeconds(29));
        var early = await _bed.ReconcileAsync();
        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        var due = await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync();

        Assert.Equal((PrebuildKind.DeleteFailed, 1), (stuck.Kind, stuck.DeleteFailures));
        Assert.DoesNotContain(early.Plan!.Actions.OfType<DeletePrebuild>(), a => a.WorkspaceId == prebuild);
        Assert.Contains(due.Plan!.Actions.OfType<DeletePrebuild>(), a => a.WorkspaceId == prebuild);
        Assert.Empty(await PrebuildsOfAsync(first.Id));
    }
}

/// <summary>Two replicas on one database: the advisory lock lets one reconcile at a time, so the pool is filled once.</summary>
public sealed class PrebuildReplicaTests(PrebuildServerFixture fixture) : IClassFixture<PrebuildServerFixture>
{
    [Fact]
    public async Task Two_replicas_reconciling_at_the_same_moment_create_the_pool_once()
    {
        var bed = new PrebuildTestBed(fixture);
        var directory = Directory.CreateTempSubdirectory("outpost-replica-").FullName;
        var options = Testing.ServerFixture.CreateOptions(fixture.ConnectionString, directory) with
        {
            Provisioning = new Server.Hosting.ProvisioningOptions { PrebuildReconcileInterval = TimeSpan.FromDays(40) },
        };
        var start = await Server.Hosting.OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();
        var replica = start.Server ?? throw new InvalidOperationException(start.Error);
        try
        {
            // The replica's own first pass (at its start) found no template; now both race.
            var api = await WorkspaceApi.LoginAsync(fixture.Client);
            var (_, version) = await api.ReadyTemplateAsync(bed.Daemon, "replicas", PrebuildTestBed.PoolYaml(3));
            var other = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<PrebuildReconciler>(replica.Services);
            var outcomes = await Task.WhenAll(
                bed.Reconciler.ReconcileAsync(TestTimeouts.Token()), other.ReconcileAsync(TestTimeouts.Token()),
                bed.Reconciler.ReconcileAsync(TestTimeouts.Token()), other.ReconcileAsync(TestTimeouts.Token())).WithTimeout();

            Assert.Contains(outcomes, o => o.Leader);
            Assert.True(outcomes.Where(o => o.Leader).Sum(o => o.Plan!.Actions.OfType<CreatePrebuild>().Count(a => a.VersionId == version.Id)) <= 3);
            Assert.Equal(3, (await fixture.Service<WorkspaceStore>().ListPrebuildsAsync(TestTimeouts.Token())).Count(p => p.VersionId == version.Id));
            Assert.DoesNotContain((await other.ReconcileAsync(TestTimeouts.Token())).Plan?.Actions.OfType<CreatePrebuild>() ?? [], a => a.VersionId == version.Id);
        }
        finally
        {
            await replica.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
