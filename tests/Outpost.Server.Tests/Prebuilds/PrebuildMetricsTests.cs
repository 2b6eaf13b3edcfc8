using System.Net;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Prebuilds;

/// <summary>Seed 003's creation and claim metrics with the <c>outpost_</c> prefix, and the pool gauges, on /metrics.</summary>
public sealed class PrebuildMetricsTests(PrebuildServerFixture fixture) : IClassFixture<PrebuildServerFixture>
{
    private readonly PrebuildTestBed _bed = new(fixture);

    [Fact]
    public async Task A_prebuild_s_first_build_counts_as_type_prebuild_a_claim_feeds_the_claim_metrics_and_the_gauges_show_the_pool()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        await api.ReadyTemplateAsync(_bed.Daemon, "measured-pool", PrebuildTestBed.PoolYaml(1));
        await _bed.ReconcileAsync();
        await _bed.CompleteQueuedAsync();
        await _bed.ReconcileAsync();
        await api.ReadAsync<Workspace>(HttpMethod.Post, "/api/v2/workspaces",
            new CreateWorkspaceRequest { Name = "measured-claim", TemplateName = "measured-pool", Preset = "small" }, HttpStatusCode.Created);
        await api.CreateWorkspaceAsync("measured-regular", "measured-pool");
        await _bed.CompleteQueuedAsync();

        using var response = await api.SendAsync(HttpMethod.Get, "/metrics");
        var metrics = await response.Content.ReadAsStringAsync().WithTimeout();

        const string Labels = "[^}]*template_name=\"measured-pool\"";
        Assert.Matches($"outpost_workspace_creation_duration_seconds_count\\{{[^}}]*preset_name=\"small\"{Labels}[^}}]*type=\"prebuild\"[^}}]*\\}} 1\\b", metrics);
        Assert.Matches($"outpost_workspace_creation_duration_seconds_count\\{{[^}}]*preset_name=\"\"{Labels}[^}}]*type=\"regular\"[^}}]*\\}} 1\\b", metrics);
        Assert.Matches($"outpost_prebuilt_workspace_claim_duration_seconds_count\\{{[^}}]*preset_name=\"small\"{Labels}[^}}]*\\}} 1\\b", metrics);
        Assert.Matches($"outpost_prebuilt_workspaces_claimed_total\\{{preset_name=\"small\",template_name=\"measured-pool\"\\}} 1\\b", metrics);
        Assert.Matches($"outpost_workspace_creation_total\\{{preset_name=\"\",template_name=\"measured-pool\"\\}} 1\\b", metrics);
        Assert.Matches($"outpost_prebuilt_workspaces_desired\\{{preset_name=\"small\",template_name=\"measured-pool\"\\}} 1\\b", metrics);
        Assert.Matches($"outpost_prebuilt_workspaces_running\\{{preset_name=\"small\",template_name=\"measured-pool\"\\}} 1\\b", metrics);
        Assert.Matches($"outpost_prebuilt_workspaces_failed\\{{preset_name=\"small\",template_name=\"measured-pool\"\\}} 0\\b", metrics);
    }
}
