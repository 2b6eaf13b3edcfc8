using System.Net;
using System.Net.Http.Headers;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

/// <summary>Issue 13 point 6: an agent token lives for one build; after a stop (or the next start) it gets 401 on every agent endpoint.</summary>
public sealed class AgentTokenLifetimeTests(ValidationServerFixture fixture) : IClassFixture<ValidationServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task A_stop_revokes_the_agents_token_and_the_next_start_issues_a_fresh_one()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "token-lifetime");
        var workspace = await api.CreateWorkspaceAsync("token-lifetime", "token-lifetime");
        const string First = "first-build-agent-token-0123456789";
        const string Second = "second-build-agent-token-0123456789";
        await CompleteWithAgentAsync(workspace.LatestBuild.Job.Id, First);
        Assert.Equal(HttpStatusCode.OK, await ManifestStatusAsync(First));

        var stop = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        // While the stop runs, the agent can still report its shutdown.
        Assert.Equal(HttpStatusCode.OK, await ManifestStatusAsync(First));
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(stop.Job.Id), []);

        Assert.Equal(HttpStatusCode.Unauthorized, await ManifestStatusAsync(First));
        Assert.Equal(HttpStatusCode.Unauthorized, await LogsStatusAsync(First));
        Assert.Equal(HttpStatusCode.Unauthorized, await RpcStatusAsync(First));

        var start = await api.BuildAsync(workspace.Id, WorkspaceTransition.Start);
        await CompleteWithAgentAsync(start.Job.Id, Second);

        Assert.Equal(HttpStatusCode.OK, await ManifestStatusAsync(Second));
        Assert.Equal(HttpStatusCode.Unauthorized, await ManifestStatusAsync(First));
    }

    private async Task CompleteWithAgentAsync(Guid jobId, string token) =>
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(jobId), [],
            new ProvisionedResource { Name = "box", Type = "local_workspace_directory", Agents = [new ProvisionedAgent { Name = "main", AuthToken = token }] });

    private async Task<HttpStatusCode> ManifestStatusAsync(string token)
    {
        using var response = await SendAsync(HttpMethod.Get, "manifest", token, null);
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> LogsStatusAsync(string token)
    {
        using var response = await SendAsync(HttpMethod.Post, "logs", token, """{"logs":[]}""");
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> RpcStatusAsync(string token)
    {
        using var response = await SendAsync(HttpMethod.Get, "rpc", token, null);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? json)
    {
        using var request = new HttpRequestMessage(method, $"{AgentApi.Prefix}/{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return await fixture.Client.SendAsync(request).WithTimeout();
    }
}
