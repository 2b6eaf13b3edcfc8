using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Agents;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>Sub-agents: a build's agent registers children through its own API; each gets its own id and token.</summary>
public sealed class SubAgentTests(ClockedServerFixture fixture) : IClassFixture<ClockedServerFixture>
{
    [Fact]
    public async Task A_child_gets_its_own_token_and_merged_environment_and_is_listed_under_its_parent()
    {
        var parent = await AgentSeed.CreateAsync(fixture.ConnectionString);

        using var created = await SendAsync(HttpMethod.Post, SubAgentApi.Path, parent.Token, new CreateSubAgentRequest
        {
            Name = "devcontainer",
            Directory = "/workspaces/app",
            Env = new Dictionary<string, string> { ["EDITOR"] = "vim", ["PATH"] = "/own/bin" },
            ExtraEnvs =
            [
                new ExtraEnvEntry { Name = "LANG", Value = "C.UTF-8" },
                new ExtraEnvEntry { Name = "LANG", Value = "en_GB.UTF-8", MergeStrategy = EnvMergeStrategy.Replace },
                new ExtraEnvEntry { Name = "SEARCH", Value = "/a" },
                new ExtraEnvEntry { Name = "SEARCH", Value = "/b", MergeStrategy = EnvMergeStrategy.Append },
                new ExtraEnvEntry { Name = "PATH", Value = "/merged/bin" },
            ],
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var child = (await created.Content.ReadFromJsonAsync<SubAgentCreated>(OutpostJson.Options))!;

        using var manifestResponse = await SendAsync(HttpMethod.Get, $"{AgentApi.Prefix}/manifest", child.AuthToken);
        var manifest = (await manifestResponse.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options))!;
        Assert.Equal((child.Id, "devcontainer", "/workspaces/app", parent.WorkspaceId), (manifest.AgentId, manifest.AgentName, manifest.Directory, manifest.WorkspaceId));
        Assert.Equal("en_GB.UTF-8", manifest.Environment["LANG"]);
        Assert.Equal("/a:/b", manifest.Environment["SEARCH"]);
        Assert.Equal("/own/bin", manifest.Environment["PATH"]);

        using var listed = await SendAsync(HttpMethod.Get, SubAgentApi.Path, parent.Token);
        Assert.Equal(child.Id, Assert.Single((await listed.Content.ReadFromJsonAsync<SubAgentList>(OutpostJson.Options))!.Agents).Id);
        var agents = await fixture.Server.Services.GetRequiredService<AgentStore>().ListByBuildAsync(parent.BuildId, fixture.Clock.GetUtcNow(), TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(parent.AgentId, Assert.Single(agents, a => a.Name == "devcontainer").ParentId);
        Assert.Null(Assert.Single(agents, a => a.Name == "main").ParentId);
    }

    [Fact]
    public async Task A_child_cannot_register_children_and_a_taken_name_is_a_409()
    {
        var parent = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var child = await CreateAsync(parent.Token, "first");

        using var nested = await SendAsync(HttpMethod.Post, SubAgentApi.Path, child.AuthToken, new CreateSubAgentRequest { Name = "nested" });
        using var taken = await SendAsync(HttpMethod.Post, SubAgentApi.Path, parent.Token, new CreateSubAgentRequest { Name = "main" });

        Assert.Equal(HttpStatusCode.Forbidden, nested.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        using var problem = JsonDocument.Parse(await taken.Content.ReadAsStringAsync());
        Assert.Contains("already has an agent named \"main\"", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"Dev Container"}""", "name")]
    [InlineData("""{"name":"dev","operating_system":"plan9"}""", "operating_system")]
    [InlineData("""{"name":"dev","env":{"OUTPOST_AGENT_TOKEN":"x"}}""", "env.OUTPOST_AGENT_TOKEN")]
    [InlineData("""{"name":"dev","extra_envs":[{"name":"1BAD","value":"x"}]}""", "extra_envs[0].name")]
    [InlineData("""{"name":"dev","extra_envs":[{"name":"A","value":"1","merge_strategy":"error"},{"name":"A","value":"2","merge_strategy":"error"}]}""", "extra_envs")]
    public async Task A_bad_registration_is_a_400_naming_the_field_and_registers_nothing(string body, string field)
    {
        var parent = await AgentSeed.CreateAsync(fixture.ConnectionString);

        using var request = new HttpRequestMessage(HttpMethod.Post, SubAgentApi.Path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", parent.Token);
        using var response = await fixture.Client.SendAsync(request).WithTimeout();
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        using var listed = await SendAsync(HttpMethod.Get, SubAgentApi.Path, parent.Token);
        Assert.Empty((await listed.Content.ReadFromJsonAsync<SubAgentList>(OutpostJson.Options))!.Agents);
    }

    [Fact]
    public async Task Removing_a_child_ends_its_token_and_an_agent_cannot_remove_another_agents_child()
    {
        var parent = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var stranger = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var child = await CreateAsync(parent.Token, "removable");

        using var byStranger = await SendAsync(HttpMethod.Delete, $"{SubAgentApi.Path}/{child.Id}", stranger.Token);
        using var removed = await SendAsync(HttpMethod.Delete, $"{SubAgentApi.Path}/{child.Id}", parent.Token);
        using var again = await SendAsync(HttpMethod.Delete, $"{SubAgentApi.Path}/{child.Id}", parent.Token);
        using var manifest = await SendAsync(HttpMethod.Get, $"{AgentApi.Prefix}/manifest", child.AuthToken);

        Assert.Equal(
            (HttpStatusCode.NotFound, HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized),
            (byStranger.StatusCode, removed.StatusCode, again.StatusCode, manifest.StatusCode));
    }

    private async Task<SubAgentCreated> CreateAsync(string parentToken, string name)
    {
        using var response = await SendAsync(HttpMethod.Post, SubAgentApi.Path, parentToken, new CreateSubAgentRequest { Name = name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SubAgentCreated>(OutpostJson.Options))!;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, CreateSubAgentRequest? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, OutpostJsonContext.Default.CreateSubAgentRequest);
        }

        return await fixture.Client.SendAsync(request).WithTimeout();
    }
}
