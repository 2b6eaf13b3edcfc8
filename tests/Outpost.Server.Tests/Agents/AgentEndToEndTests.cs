using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>
/// The whole path with nothing stood in: the in-process daemons and the local provisioner start the
/// real <c>outpost agent</c>, which connects to the real server, runs its scripts and becomes ready;
/// a stop build tells it to shut down, it reports <c>shutting_down</c> then <c>off</c>, and both sides
/// record how the control plane ended.
/// </summary>
public sealed class AgentEndToEndTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>, IDisposable
{
    private const string Template = """
        agents:
          - name: main
            startup_script: echo hello from $OUTPOST_WORKSPACE_NAME
            shutdown_script: echo goodbye
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("outpost-agent-e2e-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_local_workspace_runs_the_real_agent_to_ready_and_a_stop_takes_it_to_off_with_a_graceful_disconnect()
    {
        var outpost = Path.Combine(AppContext.BaseDirectory, "outpost.dll");
        var workspaces = Path.Join(_root, "workspaces");
        await using var host = ProvisionerDaemonHost.Start(1, fixture.BaseAddress, fixture.DaemonKey, workspaces, NullLoggerFactory.Instance, TimeProvider.System,
            options => options with { AgentCommand = ["dotnet", outpost, "agent"], WaitSeconds = 1 });
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("agent-e2e");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync(Template));
        await FollowAsync($"/api/v2/templateversions/{version.Id}/logs?follow=true", api.Token);
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });

        var workspace = await api.CreateWorkspaceAsync("agent-e2e", "agent-e2e");
        await FollowAsync($"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);
        var agent = await Eventually.ReadAsync(
            async () => Assert.Single(await api.ReadAsync<List<WorkspaceAgent>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/agents")),
            a => a.LifecycleState == AgentLifecycleState.Ready && a.Status == AgentConnectionStatus.Connected,
            TestTimeouts.Default);
        await Eventually.ReadAsync(
            () => api.ReadAsync<List<AgentLogEntry>>(HttpMethod.Get, $"/api/v2/workspaceagents/{agent.Id}/logs"),
            logs => logs.Any(l => l.Output == "hello from agent-e2e"));

        var stop = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        await FollowAsync($"/api/v2/workspacebuilds/{stop.Id}/logs?follow=true", api.Token);

        var lifecycle = await Eventually.ReadAsync(
            () => api.ReadAsync<List<AgentLifecycleEvent>>(HttpMethod.Get, $"/api/v2/workspaceagents/{agent.Id}/lifecycle"),
            events => events.Count > 0 && events[^1].State == AgentLifecycleState.Off);
        Assert.Equal([AgentLifecycleState.Starting, AgentLifecycleState.Ready, AgentLifecycleState.ShuttingDown, AgentLifecycleState.Off], lifecycle.Select(e => e.State));
        var connection = Assert.Single(await Eventually.ReadAsync(
            () => api.ReadAsync<List<ControlPlaneConnection>>(HttpMethod.Get, $"/api/v2/workspaceagents/{agent.Id}/sessions"),
            connections => connections.Count == 1 && connections[0].EndedAt is not null));
        Assert.Equal(("graceful", "agent", true), (connection.DisconnectReason, connection.DisconnectInitiator, connection.DisconnectExpected));
        var logs = await api.ReadAsync<List<AgentLogEntry>>(HttpMethod.Get, $"/api/v2/workspaceagents/{agent.Id}/logs");
        Assert.Contains(logs, l => l.Output == "goodbye");
        var agentLog = await File.ReadAllTextAsync(Path.Join(workspaces, workspace.Id.ToString("D"), ".outpost", "logs", "main.log"));
        Assert.Contains("disconnect_reason=server_shutdown", agentLog, StringComparison.Ordinal);
        Assert.Contains("disconnect_initiator=agent", agentLog, StringComparison.Ordinal);
        Assert.Contains("The server asked the agent to shut down", agentLog, StringComparison.Ordinal);
    }

    private async Task FollowAsync(string path, string token)
    {
        await using var stream = await SseReader.OpenAsync(fixture.Client, path, token);
        while (await stream.NextAsync() is { Type: "message" })
        {
        }
    }
}
