using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Outpost.Agent.Transport;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Identity;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>The agent API of the real server, driven by the real agent library.</summary>
public sealed class AgentApiTests(AgentApiFixture server) : IClassFixture<AgentApiFixture>
{
    [Fact]
    public async Task The_manifest_describes_the_agent_and_a_wrong_token_is_refused_with_a_reason()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString, [Script("setup", "echo hi")], directory: "/work/here");
        using var transport = new HttpAgentTransport(server.BaseAddress, seeded.Token);
        using var wrong = new HttpAgentTransport(server.BaseAddress, "not-a-token");

        var manifest = (await transport.GetManifestAsync(CancellationToken.None).WithTimeout()).Value!;
        var refused = (await wrong.GetManifestAsync(CancellationToken.None).WithTimeout()).Failure!;
        var refusedSocket = (await wrong.ConnectAsync(CancellationToken.None).WithTimeout()).Failure!;

        Assert.Equal(seeded.AgentId, manifest.AgentId);
        Assert.Equal(seeded.BuildId, manifest.BuildId);
        Assert.Equal("main", manifest.AgentName);
        Assert.Equal("/work/here", manifest.Directory);
        Assert.Equal("hello", manifest.Environment["GREETING"]);
        Assert.Equal("setup", Assert.Single(manifest.Scripts).DisplayName);
        Assert.Equal(AgentApiFailureKind.Unauthorized, refused.Kind);
        Assert.Contains("agent token not found", refused.Message, StringComparison.Ordinal);
        Assert.Equal(AgentApiFailureKind.Unauthorized, refusedSocket.Kind);
    }

    [Fact]
    public async Task The_agent_reports_its_version_with_the_manifest_and_a_malformed_one_is_refused()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(server.ConnectionString);
        var store = new Outpost.Server.Agents.AgentStore(dataSource, new Outpost.Server.Connections.ConnectionLogStore(dataSource));
        Assert.Equal(string.Empty, (await store.FindAsync(seeded.AgentId, CancellationToken.None).WithTimeout())!.Value.Agent.Version);

        using var transport = new HttpAgentTransport(server.BaseAddress, seeded.Token);
        Assert.NotNull((await transport.GetManifestAsync(CancellationToken.None).WithTimeout()).Value);
        Assert.Equal(BuildVersion.Version, (await store.FindAsync(seeded.AgentId, CancellationToken.None).WithTimeout())!.Value.Agent.Version);

        using var http = new HttpClient { BaseAddress = new Uri(server.BaseAddress, AgentApi.Prefix + "/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "manifest");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", seeded.Token);
        request.Headers.TryAddWithoutValidation(AgentApi.VersionHeader, new string('9', AgentApi.MaxVersionLength + 1));
        using var response = await http.SendAsync(request).WithTimeout();
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>().WithTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemCodes.ValidationFailed, problem.GetProperty("code").GetString());
        Assert.Contains(AgentApi.VersionHeader, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(BuildVersion.Version, (await store.FindAsync(seeded.AgentId, CancellationToken.None).WithTimeout())!.Value.Agent.Version);
    }

    [Fact]
    public async Task Logs_are_stored_in_order_and_past_the_budget_one_marker_is_kept_and_the_agent_is_still_answered()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        using var transport = new HttpAgentTransport(server.BaseAddress, seeded.Token);
        var first = Lines(0, 10);
        var flood = Lines(10, 100);

        Assert.Null(await transport.SendLogsAsync(first, CancellationToken.None).WithTimeout());
        Assert.Null(await transport.SendLogsAsync(flood, CancellationToken.None).WithTimeout());
        Assert.Null(await transport.SendLogsAsync(Lines(200, 5), CancellationToken.None).WithTimeout());

        var stored = await AgentSeed.QueryAsync(server.ConnectionString, "SELECT output FROM agent_logs WHERE agent_id = $1 ORDER BY id", r => r.GetString(0), seeded.AgentId);
        Assert.Equal(first.Select(l => l.Output), stored.Take(10));
        Assert.True(stored.Sum(s => s.Length) <= AgentApiFixture.LogBudget + 200);
        Assert.Contains("passed the server's limit", stored[^1], StringComparison.Ordinal);
        Assert.Single(stored, s => s.Contains("passed the server's limit", StringComparison.Ordinal));
        var overflowed = await AgentSeed.QueryAsync(server.ConnectionString, "SELECT logs_overflowed FROM workspace_agents WHERE id = $1", r => r.GetBoolean(0), seeded.AgentId);
        Assert.True(Assert.Single(overflowed));
    }

    [Fact]
    public async Task A_real_agent_connects_reports_its_lifecycle_and_reads_show_it_connected()
    {
        var directory = Directory.CreateTempSubdirectory("outpost-agent-api-").FullName;
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString, [Script("setup", "echo ready to go")], directory: directory);
        await using var agent = new RunningAgent(server.BaseAddress, seeded.Token);

        await agent.ConnectedAsync();
        await agent.LifecycleAsync(AgentLifecycleState.Ready);
        await agent.Agent.Lifecycle.WhenSentAsync(CancellationToken.None).WithTimeout();
        var read = await ReadAgentAsync(seeded.AgentId, state => state.LifecycleState == AgentLifecycleState.Ready);

        Assert.Equal(AgentConnectionStatus.Connected, read.Status);
        Assert.NotNull(read.FirstConnectedAt);
        var history = await AgentSeed.QueryAsync(server.ConnectionString,
            "SELECT state, changed_at FROM agent_lifecycle_events WHERE agent_id = $1 ORDER BY changed_at", r => (r.GetString(0), r.GetFieldValue<DateTimeOffset>(1)), seeded.AgentId);
        Assert.Equal(["starting", "ready"], history.Select(h => h.Item1));
        Assert.Equal(agent.Agent.Lifecycle.History.Select(h => h.ChangedAt.ToUnixTimeMilliseconds()), history.Select(h => h.Item2.ToUnixTimeMilliseconds()));
        await WaitForLogsAsync(seeded.AgentId, "ready to go");
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_stopping_agent_reports_off_and_its_connection_ends_graceful_by_the_agent()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString, [Script("teardown", "echo bye", onStart: false)]);
        var agent = new RunningAgent(server.BaseAddress, seeded.Token);
        await agent.LifecycleAsync(AgentLifecycleState.Ready);

        Assert.Equal(AgentLifecycleState.Off, await agent.StopAsync());
        await agent.DisposeAsync();

        var connection = await EndedConnectionAsync(seeded.AgentId);
        Assert.Equal(("graceful", "agent"), (connection.Reason, connection.Initiator));
        Assert.Contains("agent shutting down", connection.Detail, StringComparison.Ordinal);
        var read = await ReadAgentAsync(seeded.AgentId, a => a.LifecycleState == AgentLifecycleState.Off && a.Status == AgentConnectionStatus.Disconnected);
        Assert.NotNull(read.DisconnectedAt);
        var disconnect = Assert.Single(agent.Log.WithId(5007));
        Assert.Equal("server_shutdown", disconnect.Field("disconnect_reason"));
        Assert.Equal("agent", disconnect.Field("disconnect_initiator"));

        var connections = await GetAsync<List<ControlPlaneConnection>>($"/api/v2/workspaceagents/{seeded.AgentId}/connections");
        var lifecycle = await GetAsync<List<AgentLifecycleEvent>>($"/api/v2/workspaceagents/{seeded.AgentId}/lifecycle");
        var logs = await GetAsync<List<AgentLogEntry>>($"/api/v2/workspaceagents/{seeded.AgentId}/logs");
        var only = Assert.Single(connections);
        Assert.Equal(("graceful", "agent", true), (only.DisconnectReason, only.DisconnectInitiator, only.DisconnectExpected));
        Assert.Equal([AgentLifecycleState.Starting, AgentLifecycleState.Ready, AgentLifecycleState.ShuttingDown, AgentLifecycleState.Off], lifecycle.Select(e => e.State));
        Assert.Equal("bye", Assert.Single(logs).Output);
    }

    [Fact]
    public async Task A_stop_build_makes_the_server_tell_the_agent_to_shut_down()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString, [Script("teardown", "echo stopping for the build", onStart: false)]);
        await using var agent = new RunningAgent(server.BaseAddress, seeded.Token);
        await agent.LifecycleAsync(AgentLifecycleState.Ready);

        var stopBuild = await AgentSeed.QueueBuildAsync(server.ConnectionString, seeded, WorkspaceTransition.Stop);

        Assert.Equal(AgentLifecycleState.Off, await agent.Running.WithTimeout());
        var request = await agent.Log.WaitForIdAsync(5009);
        Assert.Equal(stopBuild.ToString(), request.Field("BuildId"));
        await ReadAgentAsync(seeded.AgentId, a => a.LifecycleState == AgentLifecycleState.Off);
        await WaitForLogsAsync(seeded.AgentId, "stopping for the build");
    }

    [Fact]
    public async Task An_agent_that_comes_back_after_a_stop_build_was_queued_is_told_at_once()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        await AgentSeed.QueueBuildAsync(server.ConnectionString, seeded, WorkspaceTransition.Delete);
        await using var agent = new RunningAgent(server.BaseAddress, seeded.Token);

        Assert.Equal(AgentLifecycleState.Off, await agent.Running.WithTimeout());
        Assert.Equal("delete", (await agent.Log.WaitForIdAsync(5009)).Field("Transition"));
    }

    [Fact]
    public async Task A_newer_connection_replaces_the_older_one_which_is_closed_and_recorded()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        using var transport = new HttpAgentTransport(server.BaseAddress, seeded.Token);
        await using var older = (await transport.ConnectAsync(CancellationToken.None).WithTimeout()).Value!;
        await older.SendAsync(new HeartbeatMessage { SentAt = DateTimeOffset.UtcNow }, CancellationToken.None).WithTimeout();
        await ConnectionsAsync(seeded.AgentId, count: 1);

        await using var newer = (await transport.ConnectAsync(CancellationToken.None).WithTimeout()).Value!;
        var closed = await older.ReceiveAsync(CancellationToken.None).WithTimeout();

        Assert.Equal(1000, closed.CloseStatus);
        Assert.Equal("replaced", closed.CloseDescription);
        var ended = await EndedConnectionAsync(seeded.AgentId);
        Assert.Equal(("graceful", "agent"), (ended.Reason, ended.Initiator));
        Assert.Contains("replaced by connection", ended.Detail, StringComparison.Ordinal);
        var read = await ReadAgentAsync(seeded.AgentId, _ => true);
        Assert.Equal(AgentConnectionStatus.Connected, read.Status);
    }

    [Fact]
    public async Task A_connection_that_goes_silent_past_the_inactivity_timeout_is_closed_as_a_network_error()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        using var transport = new HttpAgentTransport(server.BaseAddress, seeded.Token);
        await using var silent = (await transport.ConnectAsync(CancellationToken.None).WithTimeout()).Value!;
        await ConnectionsAsync(seeded.AgentId, count: 1);

        server.Clock.Advance(TimeSpan.FromSeconds(31));

        var ended = await EndedConnectionAsync(seeded.AgentId);
        Assert.True(ended == ("network_error", "network", "no message for 30 s"), ended.ToString());
        await Assert.ThrowsAnyAsync<Exception>(async () => await silent.ReceiveAsync(CancellationToken.None).WithTimeout());
    }

    [Fact]
    public async Task A_frame_that_is_not_a_control_message_is_a_protocol_error_and_the_server_closes()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + seeded.Token);
        var rpc = new UriBuilder(new Uri(server.BaseAddress, AgentApi.Prefix + "/rpc")) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(rpc, CancellationToken.None).WithTimeout();

        await socket.SendAsync("<html>not json</html>"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None).WithTimeout();
        var answer = await socket.ReceiveAsync(new byte[256], CancellationToken.None).WithTimeout();

        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Close, answer.MessageType);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.ProtocolError, socket.CloseStatus);
        Assert.Equal("protocol_error", socket.CloseStatusDescription);
        var ended = await EndedConnectionAsync(seeded.AgentId);
        Assert.Equal(("protocol_error", "server"), (ended.Reason, ended.Initiator));
        Assert.Contains("unreadable control message", ended.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_never_connects_is_connecting_then_timeout()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString, connectionTimeoutSeconds: 120, createdAt: server.Clock.GetUtcNow());
        var before = await ReadAgentAsync(seeded.AgentId, _ => true);

        server.Clock.Advance(TimeSpan.FromSeconds(125));
        var after = await ReadAgentAsync(seeded.AgentId, _ => true);

        Assert.Equal(AgentConnectionStatus.Connecting, before.Status);
        Assert.Equal(AgentConnectionStatus.Timeout, after.Status);
    }

    [Fact]
    public async Task An_agent_lifecycle_change_reaches_watch_subscribers_without_a_poll()
    {
        var seeded = await AgentSeed.CreateAsync(server.ConnectionString);
        var login = await IdentityApi.LoginAsync(server.Client);
        await using var watch = await SseReader.OpenAsync(server.Client, $"/api/v2/workspaces/{seeded.WorkspaceId}/watch", login.AccessToken);
        await using var all = await SseReader.OpenAsync(server.Client, "/api/v2/workspaces/watch-all", login.AccessToken);
        var initial = Assert.Single(Assert.Single((await watch.NextAsync(OutpostJsonContext.Default.Workspace)).Resources!).Agents);
        Assert.Equal(AgentConnectionStatus.Connecting, initial.Status);

        // The server's clock stands still: the watch's quiet-interval re-read never runs, so every
        // event below was pushed by the agent's own connection and lifecycle changes.
        await using var agent = new RunningAgent(server.BaseAddress, seeded.Token);
        WorkspaceAgent seen;
        do
        {
            seen = Assert.Single(Assert.Single((await watch.NextAsync(OutpostJsonContext.Default.Workspace)).Resources!).Agents);
        }
        while (seen.LifecycleState != AgentLifecycleState.Ready);

        WorkspaceAgentUpdate? update = null;
        while (update?.LifecycleState != AgentLifecycleState.Ready)
        {
            var next = await all.NextAsync();
            Assert.NotNull(next);
            if (next.Value.Type == "agent")
            {
                update = JsonSerializer.Deserialize(next.Value.Data, OutpostJsonContext.Default.WorkspaceAgentUpdate);
            }
        }

        Assert.Equal(AgentConnectionStatus.Connected, seen.Status);
        Assert.NotNull(seen.LastConnectedAt);
        Assert.Equal((seeded.WorkspaceId, seeded.AgentId, "main", WorkspaceAgentChange.Lifecycle), (update.WorkspaceId, update.AgentId, update.AgentName, update.Change));
    }

    private static AgentScript Script(string name, string script, bool onStart = true) =>
        new() { DisplayName = name, Script = script, RunOnStart = onStart, RunOnStop = !onStart };

    private static List<AgentLogLine> Lines(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new AgentLogLine { CreatedAt = DateTimeOffset.UtcNow, Source = "test", Output = $"line {i:D4} {new string('x', 20)}" })];

    private async Task<T> GetAsync<T>(string path)
    {
        var login = await IdentityApi.LoginAsync(server.Client);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        using var response = await server.Client.SendAsync(request).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<T>(OutpostJson.Options).WithTimeout())!;
    }

    private async Task<WorkspaceAgent> ReadAgentAsync(Guid agentId, Func<WorkspaceAgent, bool> until)
    {
        return await Eventually.ReadAsync(() => GetAsync<WorkspaceAgent>($"/api/v2/workspaceagents/{agentId}"), until);
    }

    private async Task<(string Reason, string Initiator, string Detail)> EndedConnectionAsync(Guid agentId) =>
        Assert.Single(await Eventually.ReadAsync(
            () => AgentSeed.QueryAsync(server.ConnectionString,
                "SELECT disconnect_reason, disconnect_initiator, disconnect_detail FROM connection_logs WHERE agent_id = $1 AND ended_at IS NOT NULL",
                r => (r.GetString(0), r.GetString(1), r.GetString(2)), agentId),
            rows => rows.Count > 0));

    private Task ConnectionsAsync(Guid agentId, int count) => Eventually.ReadAsync(
        () => AgentSeed.QueryAsync(server.ConnectionString, "SELECT id FROM connection_logs WHERE agent_id = $1", r => r.GetGuid(0), agentId),
        rows => rows.Count >= count);

    private Task WaitForLogsAsync(Guid agentId, string output) => Eventually.ReadAsync(
        () => AgentSeed.QueryAsync(server.ConnectionString, "SELECT output FROM agent_logs WHERE agent_id = $1", r => r.GetString(0), agentId),
        rows => rows.Contains(output));
}
