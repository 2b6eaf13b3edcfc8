using System.Net;
using System.Net.Http.Json;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

/// <summary>Issue 13 point 1: a request that omits an optional field gets its documented default, over real HTTP.</summary>
public sealed class DocumentedDefaultsHttpTests(ValidationServerFixture fixture) : IClassFixture<ValidationServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task A_template_without_description_or_provisioner_is_a_local_template_with_no_description()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/templates", api.Token, """{"name":"bare-template"}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var template = (await response.Content.ReadFromJsonAsync<Template>(OutpostJson.Options).WithTimeout())!;
        Assert.Equal(("local", string.Empty), (template.Provisioner, template.Description));
    }

    [Fact]
    public async Task A_workspace_without_parameters_an_acquire_without_wait_seconds_a_bare_agent_and_a_bare_stop_all_work()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "defaults-template");
        await Daemon.DrainAsync();

        using var created = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/workspaces", api.Token,
            """{"name":"no-parameters","template_name":"defaults-template"}""");
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var workspace = (await created.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options).WithTimeout())!;
        Assert.Contains(workspace.LatestBuild.Parameters, p => p.Name == "greeting" && p.Value == "hello");

        // wait_seconds omitted: the default (10) is valid, so a queued job is handed out at once.
        using var acquired = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, ProvisionerDaemonApi.Prefix + "/acquire", null,
            """{"daemon_name":"bare-daemon","provisioners":["local"]}""", headers: [new(ProvisionerDaemonApi.KeyHeader, fixture.DaemonKey)]);
        Assert.True(acquired.StatusCode == HttpStatusCode.OK, await acquired.Content.ReadAsStringAsync());
        var job = (await acquired.Content.ReadFromJsonAsync<AcquiredJob>(OutpostJson.Options).WithTimeout())!;
        Assert.Equal(workspace.LatestBuild.Job.Id, job.JobId);

        // An agent with only a name and a token.
        using var completed = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, $"{ProvisionerDaemonApi.Prefix}/jobs/{job.JobId}/complete", null,
            """{"workspace_build":{"state":"","resources":[{"name":"box","type":"local_workspace_directory","agents":[{"name":"main","auth_token":"bare-agent-token-0123456789"}]}]}}""",
            headers: [new(ProvisionerDaemonApi.KeyHeader, fixture.DaemonKey)]);
        Assert.True(completed.StatusCode == HttpStatusCode.NoContent, await completed.Content.ReadAsStringAsync());
        var agents = await api.ReadAsync<List<WorkspaceAgent>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/agents");
        Assert.Equal("main", Assert.Single(agents).Name);

        using var stop = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, $"/api/v2/workspaces/{workspace.Id}/builds", api.Token, """{"transition":"stop"}""");
        Assert.True(stop.StatusCode == HttpStatusCode.Created, await stop.Content.ReadAsStringAsync());
        var build = (await stop.Content.ReadFromJsonAsync<WorkspaceBuild>(OutpostJson.Options).WithTimeout())!;
        Assert.Equal((WorkspaceTransition.Stop, BuildReason.Initiator), (build.Transition, build.Reason));
    }
}
