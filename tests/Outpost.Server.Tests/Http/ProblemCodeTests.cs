using System.Net;
using System.Net.Http.Headers;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Http;

/// <summary>Every problem the server answers with carries a stable code a client can decide on.</summary>
public sealed class ProblemCodeTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task Workspace_and_template_refusals_carry_their_codes()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "codes");
        var workspace = await api.CreateWorkspaceAsync("codes-ws", "codes");

        using var busy = await api.BuildRawAsync(workspace.Id, WorkspaceTransition.Stop);
        using var taken = await api.CreateWorkspaceRawAsync("codes-ws", "codes");
        using var noTemplate = await api.CreateWorkspaceRawAsync("other", "no-such-template");
        using var badParameter = await api.CreateWorkspaceRawAsync("params", "codes", ("greting", "hi"));
        using var badName = await api.CreateWorkspaceRawAsync("Bad Name", "codes");
        using var noWorkspace = await api.SendAsync(HttpMethod.Get, $"/api/v2/workspaces/{Guid.NewGuid()}");
        using var noBuild = await api.SendAsync(HttpMethod.Patch, $"/api/v2/workspacebuilds/{Guid.NewGuid()}/cancel");
        using var templateMissing = await api.SendAsync(HttpMethod.Get, "/api/v2/templates/no-such-template");
        var empty = await api.CreateTemplateAsync("codes-empty");
        using var noActive = await api.CreateWorkspaceRawAsync("empty-ws", empty.Name);

        await AssertProblemAsync(busy, HttpStatusCode.Conflict, ProblemCodes.WorkspaceBusy);
        await AssertProblemAsync(taken, HttpStatusCode.Conflict, ProblemCodes.WorkspaceExists);
        await AssertProblemAsync(noTemplate, HttpStatusCode.BadRequest, ProblemCodes.TemplateNotFound);
        await AssertProblemAsync(badParameter, HttpStatusCode.BadRequest, ProblemCodes.InvalidParameters);
        await AssertProblemAsync(badName, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        await AssertProblemAsync(noWorkspace, HttpStatusCode.NotFound, ProblemCodes.WorkspaceNotFound);
        await AssertProblemAsync(noBuild, HttpStatusCode.NotFound, ProblemCodes.BuildNotFound);
        await AssertProblemAsync(templateMissing, HttpStatusCode.NotFound, ProblemCodes.TemplateNotFound);
        await AssertProblemAsync(noActive, HttpStatusCode.Conflict, ProblemCodes.TemplateNoActiveVersion);
    }

    [Fact]
    public async Task Each_kind_of_caller_is_refused_with_its_own_code()
    {
        using var anonymous = await fixture.Client.GetAsync(new Uri("/api/v2/workspaces", UriKind.Relative)).WithTimeout();
        using var badToken = await SendAsync(HttpMethod.Get, "/api/v2/workspaces", request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "abc-def"));
        using var agent = await SendAsync(HttpMethod.Get, $"{AgentApi.Prefix}/manifest", request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token"));
        using var daemon = await SendAsync(HttpMethod.Post, $"{ProvisionerDaemonApi.Prefix}/acquire", request => request.Headers.Add(ProvisionerDaemonApi.KeyHeader, "wrong"));

        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        await AssertProblemAsync(badToken, HttpStatusCode.Unauthorized, ProblemCodes.TokenInvalid);
        await AssertProblemAsync(agent, HttpStatusCode.Unauthorized, ProblemCodes.AgentTokenInvalid);
        await AssertProblemAsync(daemon, HttpStatusCode.Unauthorized, ProblemCodes.ProvisionerKeyInvalid);
    }

    [Fact]
    public async Task Framework_answers_and_field_errors_carry_a_code_too()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var unknownRoute = await api.SendAsync(HttpMethod.Get, "/api/v2/no-such-route");
        using var invalidUser = await api.SendAsync(HttpMethod.Post, "/api/v2/users", new Outpost.Sdk.Users.CreateUserRequest { Email = "x", Username = "", Password = "p" });
        using var wrongPassword = await fixture.Client.PostAsync(new Uri("/api/v2/users/login", UriKind.Relative),
            System.Net.Http.Json.JsonContent.Create(new Outpost.Sdk.Users.LoginRequest { Email = ClockedServerFixture.OwnerEmail, Password = "wrong-password" }, options: OutpostJson.Options)).WithTimeout();

        await AssertProblemAsync(unknownRoute, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await AssertProblemAsync(invalidUser, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        await AssertProblemAsync(wrongPassword, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredentials);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Action<HttpRequestMessage> configure)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"daemon_name":"d","provisioners":["local"],"wait_seconds":1}""", System.Text.Encoding.UTF8, "application/json");
        }

        configure(request);
        return await fixture.Client.SendAsync(request).WithTimeout();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync().WithTimeout();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonSerializer.Deserialize<ApiProblem>(body, OutpostJson.Options)!;
        Assert.True(problem.Code == code, $"expected code {code}: {body}");
    }
}
