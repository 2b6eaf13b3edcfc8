using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Pubsub;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Prebuilds;

/// <summary>
/// <c>GET /api/v2/workspaceagents/me/reinit</c>: seed 003's four branches of the durable check, the
/// event lost when the stream is cut at the claim, and the raw-string payload of an older server.
/// </summary>
public sealed class ReinitTests(PrebuildServerFixture fixture) : IClassFixture<PrebuildServerFixture>
{
    private const string Path = AgentApi.Prefix + "/" + ReinitializationEvent.Route;

    private readonly PrebuildTestBed _bed = new(fixture);

    /// <summary>A template whose one prebuild is ready; answers the signed-in owner and the prebuild's agent token.</summary>
    private async Task<(WorkspaceApi Api, Guid WorkspaceId, string AgentToken)> ReadyPrebuildAsync(string template)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        var (_, version) = await api.ReadyTemplateAsync(_bed.Daemon, template, PrebuildTestBed.PoolYaml(1));
        await _bed.ReconcileAsync();
        var tokens = await _bed.CompleteQueuedAsync();
        var prebuild = (await fixture.Service<Server.Workspaces.WorkspaceStore>().ListPrebuildsAsync(TestTimeouts.Token())).Single(p => p.VersionId == version.Id);
        return (api, prebuild.WorkspaceId, tokens[prebuild.WorkspaceId]);
    }

    private static async Task<Workspace> ClaimAsync(WorkspaceApi api, string name, string template, Guid expected)
    {
        var workspace = await api.ReadAsync<Workspace>(HttpMethod.Post, "/api/v2/workspaces",
            new CreateWorkspaceRequest { Name = name, TemplateName = template, Preset = "small" }, HttpStatusCode.Created);
        Assert.Equal(expected, workspace.Id);
        return workspace;
    }

    private async Task<Guid> OwnerIdAsync(WorkspaceApi api) => (await api.ReadAsync<Sdk.Users.User>(HttpMethod.Get, "/api/v2/users/me")).Id;

    private static ReinitializationEvent ReadEvent((string Type, string Data)? next)
    {
        Assert.NotNull(next);
        Assert.Equal(ReinitializationEvent.EventName, next.Value.Type);
        return JsonSerializer.Deserialize<ReinitializationEvent>(next.Value.Data, OutpostJson.Options)!;
    }

    [Fact]
    public async Task A_regular_workspace_gets_409_not_a_prebuild()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await _bed.CompleteQueuedAsync();
        await api.ReadyTemplateAsync(_bed.Daemon, "regular", PrebuildTestBed.PoolYaml(0));
        await api.CreateWorkspaceAsync("plain", "regular");
        var tokens = await _bed.CompleteQueuedAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Single().Value);
        using var response = await fixture.Client.SendAsync(request).WithTimeout();
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(ProblemCodes.NotAPrebuild, (await WorkspaceApi.ProblemAsync(response)).Code);
    }

    [Fact]
    public async Task An_unclaimed_prebuild_waits_and_gets_the_event_with_the_new_owner_when_its_claim_build_completes()
    {
        var (api, workspaceId, token) = await ReadyPrebuildAsync("waits");
        await using var stream = await SseReader.OpenAsync(fixture.Client, Path, token);
        var next = stream.NextAsync();

        var claimed = await ClaimAsync(api, "claimed-waits", "waits", workspaceId);
        Assert.False(next.IsCompleted, "the event came before the claim build completed");
        await _bed.CompleteQueuedAsync();

        var reinit = ReadEvent(await next);
        Assert.Equal((workspaceId, await OwnerIdAsync(api), ReinitializationReason.PrebuildClaimed), (reinit.WorkspaceId, reinit.OwnerId, reinit.Reason));
        Assert.Null(await stream.NextAsync());
        Assert.Equal(2, claimed.LatestBuild.BuildNumber);
    }

    [Fact]
    public async Task A_claimed_prebuild_whose_claim_build_completed_gets_the_event_at_once()
    {
        var (api, workspaceId, token) = await ReadyPrebuildAsync("at-once");
        await ClaimAsync(api, "claimed-at-once", "at-once", workspaceId);
        await _bed.CompleteQueuedAsync();

        await using var stream = await SseReader.OpenAsync(fixture.Client, Path, token);
        var reinit = ReadEvent(await stream.NextAsync());
        Assert.Equal((workspaceId, await OwnerIdAsync(api)), (reinit.WorkspaceId, reinit.OwnerId));
        Assert.Null(await stream.NextAsync());
    }

    [Fact]
    public async Task A_claimed_prebuild_whose_claim_build_runs_waits_for_it_to_complete()
    {
        var (api, workspaceId, token) = await ReadyPrebuildAsync("running");
        var claimed = await ClaimAsync(api, "claimed-running", "running", workspaceId);
        var job = await _bed.Daemon.AcquireAsync(claimed.LatestBuild.Job.Id);

        await using var stream = await SseReader.OpenAsync(fixture.Client, Path, token);
        var next = stream.NextAsync();
        await _bed.Daemon.UpdateAsync(job.JobId, "applying");
        Assert.False(next.IsCompleted, "the event came while the claim build was running");
        await _bed.Daemon.CompleteBuildAsync(job, [2], new Sdk.Provisioning.ProvisionedResource
        {
            Name = "workspace",
            Type = "local_workspace_directory",
            Agents = [new Sdk.Provisioning.ProvisionedAgent { Name = "main" }],
        });

        Assert.Equal(await OwnerIdAsync(api), ReadEvent(await next).OwnerId);
    }

    [Fact]
    public async Task A_stream_cut_exactly_at_the_claim_loses_the_announcement_but_the_reconnect_gets_the_event()
    {
        var (api, workspaceId, token) = await ReadyPrebuildAsync("cut");
        var stream = await SseReader.OpenAsync(fixture.Client, Path, token);

        // The claim lands and the agent's stream is cut at that moment: the announcement, published
        // when the claim build completes, reaches no one.
        await ClaimAsync(api, "claimed-cut", "cut", workspaceId);
        await stream.DisposeAsync();
        await _bed.CompleteQueuedAsync();

        await using var reconnected = await SseReader.OpenAsync(fixture.Client, Path, token);
        var reinit = ReadEvent(await reconnected.NextAsync());
        Assert.Equal((workspaceId, await OwnerIdAsync(api)), (reinit.WorkspaceId, reinit.OwnerId));
    }

    [Fact]
    public async Task A_raw_string_payload_from_an_older_server_is_still_understood()
    {
        var (_, workspaceId, token) = await ReadyPrebuildAsync("legacy");
        await using var stream = await SseReader.OpenAsync(fixture.Client, Path, token);
        var next = stream.NextAsync();

        // The SSE response has started, so the server has subscribed; publish as an old server did.
        await fixture.Service<IPubsub>().PublishAsync(PrebuiltWorkspaces.ClaimChannel(workspaceId), "prebuild_claimed", TestTimeouts.Token()).WithTimeout();

        var reinit = ReadEvent(await next);
        Assert.Equal((workspaceId, Guid.Empty, ReinitializationReason.PrebuildClaimed), (reinit.WorkspaceId, reinit.OwnerId, reinit.Reason));
        Assert.Equal(
            new ReinitializationEvent { WorkspaceId = workspaceId, OwnerId = Guid.Empty },
            ReinitializationEvent.Parse("prebuild_claimed", workspaceId));
    }
}
