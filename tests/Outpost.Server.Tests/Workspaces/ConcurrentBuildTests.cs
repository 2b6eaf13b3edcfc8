using System.Net;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>Concurrent builds of one workspace are serialized by its row lock: one wins, the rest are told it is busy.</summary>
public sealed class ConcurrentBuildTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private const int Requests = 50;

    [Fact]
    public async Task Fifty_concurrent_builds_of_one_workspace_answer_one_201_and_otherwise_409_workspace_busy()
    {
        var daemon = new TestDaemon(fixture.Client, fixture.DaemonKey);
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(daemon, "race");
        var workspace = await api.CreateWorkspaceAsync("race-ws", "race");
        await daemon.CompleteBuildAsync(await daemon.AcquireAsync(workspace.LatestBuild.Job.Id), [1]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Requests }) { BaseAddress = fixture.BaseAddress };
        var racer = new WorkspaceApi(http, api.Token);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var requests = Enumerable.Range(0, Requests).Select(async _ =>
        {
            await go.Task.ConfigureAwait(false);
            using var response = await racer.BuildRawAsync(workspace.Id, WorkspaceTransition.Stop).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var code = response.StatusCode == HttpStatusCode.Created ? null : System.Text.Json.JsonSerializer.Deserialize<ApiProblem>(body, OutpostJson.Options)?.Code;
            return (response.StatusCode, Code: code, Body: body);
        }).ToList();
        go.SetResult();
        var answers = await Task.WhenAll(requests).WithTimeout(TimeSpan.FromSeconds(60));
        var builds = await api.ReadAsync<List<WorkspaceBuild>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/builds");

        var unexpected = answers.Where(a => a.StatusCode != HttpStatusCode.Created && (a.StatusCode != HttpStatusCode.Conflict || a.Code != ProblemCodes.WorkspaceBusy)).ToList();
        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected.Select(a => $"{(int)a.StatusCode}: {a.Body}")));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.Equal(Requests - 1, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal([2, 1], builds.Select(b => b.BuildNumber));
    }
}
