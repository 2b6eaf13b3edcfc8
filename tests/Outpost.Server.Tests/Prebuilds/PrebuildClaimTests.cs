using System.Net;
using System.Net.Http.Json;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Tests.Workspaces;
using Outpost.Server.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Prebuilds;

/// <summary>Presets, the pool the reconciler fills, and claims through the real create endpoint.</summary>
public sealed class PrebuildClaimTests(PrebuildServerFixture fixture) : IClassFixture<PrebuildServerFixture>
{
    private readonly PrebuildTestBed _bed = new(fixture);

    private async Task<(WorkspaceApi Api, TemplateVersion Version)> ReadyPoolAsync(string template, int instances)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (_, version) = await api.ReadyTemplateAsync(_bed.Daemon, template, PrebuildTestBed.PoolYaml(instances));
        await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync();
        return (api, version);
    }

    private async Task<List<PrebuildRow>> ReadyPrebuildsAsync(TemplateVersion version) =>
        [.. (await fixture.Service<WorkspaceStore>().ListPrebuildsAsync(TestTimeouts.Token())).Where(p => p.VersionId == version.Id && p.Kind == PrebuildKind.Ready)];

    private static Task<HttpResponseMessage> CreateAsync(WorkspaceApi api, string name, string template, string? preset) =>
        api.SendAsync(HttpMethod.Post, "/api/v2/workspaces", new CreateWorkspaceRequest { Name = name, TemplateName = template, Preset = preset });

    [Fact]
    public async Task The_reconciler_fills_a_preset_and_the_presets_endpoints_report_its_pool()
    {
        var (api, version) = await ReadyPoolAsync("fills", instances: 2);

        var presets = await PrebuildTestBed.PresetsAsync(api, "fills");
        var small = Assert.Single(presets, p => p.Name == "small");
        Assert.Equal((2, 2, 2, 0, 0, PrebuildPoolState.Ok), (small.Desired, small.Running, small.Eligible, small.Building, small.Failed, small.State));
        Assert.Equal("small", small.Parameters["size"]);
        var large = Assert.Single(presets, p => p.Name == "large");
        Assert.Equal((0, PrebuildPoolState.Inactive), (large.Desired, large.State));
        var byVersion = await api.ReadAsync<List<TemplatePreset>>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}/presets");
        Assert.Equal(presets.Select(p => (p.Name, p.Running)), byVersion.Select(p => (p.Name, p.Running)));

        // A second pass with a full pool does nothing for this template.
        Assert.Equal(2, (await PrebuildTestBed.PresetsAsync(api, "fills")).Single(p => p.Name == "small").Running);
        var again = await _bed.ReconcileAsync();
        Assert.DoesNotContain(again.Plan!.Actions, a => a.TemplateName == "fills");
    }

    [Fact]
    public async Task A_prebuild_whose_agent_is_still_starting_is_not_claimed_until_it_is_ready()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (_, version) = await api.ReadyTemplateAsync(_bed.Daemon, "preparing", PrebuildTestBed.PoolYaml(1));
        await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync(agentsReady: false);
        var prebuild = Assert.Single(await ReadyPrebuildsAsync(version));
        var latest = (await api.ReadAsync<Workspace>(HttpMethod.Get, $"/api/v2/workspaces/{prebuild.WorkspaceId}")).LatestBuild;
        await _bed.SetAgentsLifecycleAsync(latest.Id, "starting");
        var small = (await PrebuildTestBed.PresetsAsync(api, "preparing")).Single(p => p.Name == "small");
        Assert.Equal((1, 0), (small.Running, small.Eligible));

        // Its startup scripts still prepare it: the create builds a new workspace instead of cutting them short.
        using (var early = await CreateAsync(api, "early", "preparing", "small"))
        {
            Assert.Equal(HttpStatusCode.Created, early.StatusCode);
            var fresh = (await early.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options))!;
            Assert.NotEqual(prebuild.WorkspaceId, fresh.Id);
            Assert.Equal(1, fresh.LatestBuild.BuildNumber);
        }

        await _bed.SetAgentsLifecycleAsync(latest.Id, "ready");
        Assert.Equal(1, (await PrebuildTestBed.PresetsAsync(api, "preparing")).Single(p => p.Name == "small").Eligible);
        using var claimed = await CreateAsync(api, "later", "preparing", "small");
        Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
        Assert.Equal(prebuild.WorkspaceId, (await claimed.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options))!.Id);
    }

    [Fact]
    public async Task Create_with_a_preset_claims_a_ready_prebuild_renames_it_and_queues_a_claim_build_that_keeps_its_agent_token()
    {
        var (api, version) = await ReadyPoolAsync("claims", instances: 1);
        var prebuild = Assert.Single(await ReadyPrebuildsAsync(version));

        using var response = await CreateAsync(api, "mine", "claims", "small");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var workspace = (await response.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options))!;
        Assert.Equal(prebuild.WorkspaceId, workspace.Id);
        Assert.Equal(("mine", ClockedServerFixture.OwnerUsername, 2), (workspace.Name, workspace.OwnerName, workspace.LatestBuild.BuildNumber));
        Assert.Contains(workspace.LatestBuild.Parameters, p => p is { Name: "size", Value: "small" });

        var claim = await _bed.Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        Assert.Equal(PrebuildStage.Claim, claim.WorkspaceBuild!.PrebuildStage);
        Assert.Equal(ClockedServerFixture.OwnerUsername, claim.WorkspaceBuild.OwnerName);
        await _bed.Daemon.CompleteBuildAsync(claim, [2], new ProvisionedResource { Name = "workspace", Type = "local_workspace_directory", Agents = [new ProvisionedAgent { Name = "main" }] });
        var agents = await api.ReadAsync<List<WorkspaceAgent>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/agents");
        Assert.Single(agents);
    }

    [Fact]
    public async Task Eight_concurrent_creates_never_get_the_same_prebuild_and_the_rest_get_new_workspaces()
    {
        var (api, version) = await ReadyPoolAsync("eight", instances: 4);
        var ready = (await ReadyPrebuildsAsync(version)).Select(p => p.WorkspaceId).ToHashSet();
        Assert.Equal(4, ready.Count);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 }) { BaseAddress = fixture.BaseAddress };
        var racer = new WorkspaceApi(http, api.Token);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creates = Enumerable.Range(0, 8).Select(async i =>
        {
            await go.Task.ConfigureAwait(false);
            using var response = await CreateAsync(racer, $"racer-{i}", "eight", "small").ConfigureAwait(false);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options).ConfigureAwait(false))!;
        }).ToList();
        go.SetResult();
        var workspaces = await Task.WhenAll(creates).WithTimeout(TimeSpan.FromSeconds(60));

        Assert.Equal(8, workspaces.Select(w => w.Id).Distinct().Count());
        var claimed = workspaces.Where(w => ready.Contains(w.Id)).ToList();
        Assert.Equal(4, claimed.Count);
        Assert.All(claimed, w => Assert.Equal(2, w.LatestBuild.BuildNumber));
        Assert.All(workspaces.Except(claimed), w => Assert.Equal(1, w.LatestBuild.BuildNumber));
    }

    [Fact]
    public async Task A_claim_that_loses_the_race_with_a_reconciler_delete_gets_a_normal_build_and_a_delete_never_takes_a_claimed_workspace()
    {
        var (api, version) = await ReadyPoolAsync("race", instances: 1);
        var builds = fixture.Service<WorkspaceBuilds>();
        var first = Assert.Single(await ReadyPrebuildsAsync(version));

        // The delete wins: the claim finds nothing ready and builds a new workspace.
        var deleted = await builds.DeletePrebuildAsync(SystemActors.PrebuildReconciler, first.WorkspaceId, TestTimeouts.Token());
        Assert.Null(deleted.Refusal);
        using (var response = await CreateAsync(api, "after-delete", "race", "small"))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var workspace = (await response.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options))!;
            Assert.NotEqual(first.WorkspaceId, workspace.Id);
            Assert.Equal(1, workspace.LatestBuild.BuildNumber);
        }

        // The claim wins: the reconciler's delete of the claimed workspace is refused.
        await _bed.CompleteQueuedAsync();
        await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync();
        var second = Assert.Single(await ReadyPrebuildsAsync(version));
        using (var response = await CreateAsync(api, "claimed-first", "race", "small"))
        {
            Assert.Equal(second.WorkspaceId, (await response.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options))!.Id);
        }

        var refused = await builds.DeletePrebuildAsync(SystemActors.PrebuildReconciler, second.WorkspaceId, TestTimeouts.Token());
        Assert.Equal(BuildRefusalKind.WorkspaceNotFound, refused.Refusal?.Kind);
        Assert.Equal(WorkspaceTransition.Start, (await api.GetWorkspaceAsync(second.WorkspaceId)).LatestBuild.Transition);
    }

    [Fact]
    public async Task An_unknown_preset_or_a_parameter_that_contradicts_the_preset_is_a_400_naming_it()
    {
        var (api, _) = await ReadyPoolAsync("bad-input", instances: 0);
        using var unknown = await CreateAsync(api, "unknown", "bad-input", "huge");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var problem = await WorkspaceApi.ProblemAsync(unknown);
        Assert.Equal(ProblemCodes.PresetNotFound, problem.Code);
        Assert.Contains("\"huge\"", problem.Detail);
        Assert.Contains("\"small\"", problem.Detail);

        using var contradicting = await api.SendAsync(HttpMethod.Post, "/api/v2/workspaces", new CreateWorkspaceRequest
        {
            Name = "contradicts",
            TemplateName = "bad-input",
            Preset = "small",
            Parameters = [new ParameterValue { Name = "size", Value = "large" }],
        });
        Assert.Equal(HttpStatusCode.BadRequest, contradicting.StatusCode);
        Assert.Contains("size", (await WorkspaceApi.ProblemAsync(contradicting)).Detail);
    }

    [Fact]
    public async Task Prebuild_jobs_wait_behind_a_person_s_job()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        await api.ReadyTemplateAsync(_bed.Daemon, "order", PrebuildTestBed.PoolYaml(2));
        await _bed.ReconcileAsync();
        var person = await api.CreateWorkspaceAsync("person", "order");

        var first = await _bed.Daemon.TryAcquireAsync(5);
        Assert.Equal(person.LatestBuild.Job.Id, first!.JobId);
        await _bed.Daemon.CompleteBuildAsync(first, [1]);
        await _bed.CompleteQueuedAsync();
    }
}
