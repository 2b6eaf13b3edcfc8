using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Identity;

/// <summary>Users (bearer tokens or the dashboard's session cookie), workspace agents and provisioner daemons each authenticate through their own schemes, named by their route group's policy.</summary>
public sealed class CallerSchemeTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private static readonly string[] UserSchemes = [CookieAuthenticationHandler.SchemeName, TokenAuthenticationHandler.SchemeName];

    [Fact]
    public async Task Every_endpoint_declares_its_caller_and_authenticates_only_with_that_callers_scheme()
    {
        var endpoints = fixture.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var policies = fixture.Service<IAuthorizationPolicyProvider>();

        var wrong = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            string[] expected = route.StartsWith(AgentApi.Prefix + "/", StringComparison.Ordinal) ? [AgentTokenAuthenticationHandler.SchemeName]
                : route.StartsWith(ProvisionerDaemonApi.Prefix + "/", StringComparison.Ordinal) ? [ProvisionerKeyAuthenticationHandler.SchemeName]
                : UserSchemes;
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policy = await AuthorizationPolicy.CombineAsync(
                policies, endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>()).WithTimeout();
            if (anonymous && !expected.SequenceEqual(UserSchemes))
            {
                wrong.Add($"{route}: anonymous, but only {expected[0]} callers may use it");
            }
            else if (!anonymous && (policy is null || !policy.AuthenticationSchemes.SequenceEqual(expected)))
            {
                wrong.Add($"{route}: authenticates with [{string.Join(", ", policy?.AuthenticationSchemes ?? [])}], expected [{string.Join(", ", expected)}]");
            }
        }

        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.Contains("workspaceagents/me", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.Contains("provisionerd", StringComparison.Ordinal));
        Assert.Equal(4, endpoints.Count(e => e.RoutePattern.RawText!.StartsWith("/api/v2/users/me/secrets", StringComparison.Ordinal)));
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task A_credential_of_one_kind_of_caller_is_refused_by_the_others()
    {
        var userToken = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;

        using var userAsAgent = await SendAsync(HttpMethod.Get, $"{AgentApi.Prefix}/manifest", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken));
        using var userAsDaemon = await SendAsync(HttpMethod.Post, $"{ProvisionerDaemonApi.Prefix}/acquire", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken));
        using var daemonAsUser = await SendAsync(HttpMethod.Get, "/api/v2/workspaces", r => r.Headers.Add(ProvisionerDaemonApi.KeyHeader, fixture.DaemonKey));
        using var daemon = await SendAsync(HttpMethod.Post, $"{ProvisionerDaemonApi.Prefix}/acquire", r => r.Headers.Add(ProvisionerDaemonApi.KeyHeader, fixture.DaemonKey));

        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.AgentTokenInvalid), (userAsAgent.StatusCode, await CodeAsync(userAsAgent)));
        Assert.Contains("agent token not found", await userAsAgent.Content.ReadAsStringAsync().WithTimeout(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.ProvisionerKeyInvalid), (userAsDaemon.StatusCode, await CodeAsync(userAsDaemon)));
        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized), (daemonAsUser.StatusCode, await CodeAsync(daemonAsUser)));
        Assert.Equal(HttpStatusCode.NoContent, daemon.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Action<HttpRequestMessage> configure)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            // A daemon that finds no job waits a second and gets 204.
            request.Content = new StringContent("""{"daemon_name":"d","provisioners":["no-such-provisioner"],"wait_seconds":1}""", System.Text.Encoding.UTF8, "application/json");
        }

        configure(request);
        return await fixture.Client.SendAsync(request).WithTimeout();
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        (await IdentityApi.ProblemAsync(response)).Code;
}
