using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Connections;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Sessions;
using Outpost.Sdk.Users;
using Outpost.Server.Connections;
using Outpost.Server.Hosting;
using Outpost.Server.Sessions;
using Outpost.Server.Tests.Agents;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Sessions;

/// <summary>The real server on a fake clock, with the relay's log lines recorded.</summary>
public sealed class SessionRelayFixture : ClockedServerFixture
{
    public RecordingLogger RelayLog { get; } = new();

    public RecordingLogger AgentApiLog { get; } = new();

    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with
    {
        ConfigureApplication = app =>
        {
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            loggers.AddProvider(new CategoryLogProvider(SessionRelayLog.Category, RelayLog));
            loggers.AddProvider(new CategoryLogProvider(Outpost.Server.Agents.AgentApiLog.Category, AgentApiLog));
        },
    };

    /// <summary>
    /// Completes once the agent's control connection is registered on the replica logging to <paramref name="log"/> (5101):
    /// from then on dial requests reach it. The agent sees itself connected a little earlier, before the server recorded it.
    /// </summary>
    public static Task RegisteredAsync(RecordingLogger log, Guid agentId) =>
        log.WaitForAsync(e => e.EventId == 5101 && e.Field("AgentId") == agentId.ToString());

    /// <summary>Sends one category to the recording.</summary>
    internal sealed class CategoryLogProvider(string category, RecordingLogger log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => categoryName == category ? log : NullLogger.Instance;

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// The relay over real HTTP and WebSockets with the real agent library serving the sessions: the connection log,
/// who may connect and see what, tickets, terminal sizes, and a stop ending open sessions.
/// </summary>
public sealed partial class SessionRelayTests(SessionRelayFixture fixture) : IClassFixture<SessionRelayFixture>
{
    [Fact]
    public async Task A_session_is_one_connection_log_row_and_a_member_sees_and_reaches_only_their_own()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var (memberId, member) = await CreateMemberAsync(owner);
        var (_, other) = await CreateMemberAsync(owner);
        var seeded = await SeedAgentOwnedByAsync(memberId);
        await using var agent = new RunningAgent(fixture.BaseAddress, seeded.Token);
        await SessionRelayFixture.RegisteredAsync(fixture.AgentApiLog, seeded.AgentId);

        // The log is newest first; on the fake clock, rows are apart only when the test moves it.
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var (frames, close) = await RunAsync(seeded.AgentId, member, new SessionHeader { Kind = SessionKind.Exec, ConnectionType = ConnectionType.Ssh, Command = "sh", Args = ["-c", "printf hello; exit 3"] });
        Assert.Equal("hello", Stdout(frames));
        Assert.Equal("graceful", close.Reason);
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        await RunAsync(seeded.AgentId, member, new SessionHeader { Kind = SessionKind.Exec, Command = "true" });

        // Another member: the agent does not exist for them, and neither do the member's rows.
        var (refused, status) = await ConnectAsync(seeded.AgentId, other);
        Assert.Null(refused);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Empty((await ListAsync(other, $"user={memberId}")).Connections);
        Assert.Empty((await ListAsync(other, $"workspace={seeded.WorkspaceId}")).Connections);

        var rows = await Eventually.ReadAsync(() => ListAsync(member, $"workspace={seeded.WorkspaceId}"), p => p.Connections.Count(c => c.EndedAt is not null) == 2);
        Assert.Equal([ConnectionType.Exec, ConnectionType.Ssh, ConnectionType.ControlPlane], rows.Connections.Select(c => c.Type));
        var ssh = rows.Connections[1];
        Assert.Equal((3, "relay", memberId, seeded.WorkspaceId, seeded.AgentId), (ssh.ExitCode, ssh.Path, ssh.UserId, ssh.WorkspaceId, ssh.AgentId));
        Assert.Equal(("graceful", true, "agent", "exit 3"), (ssh.DisconnectReason, ssh.DisconnectExpected, ssh.DisconnectInitiator, ssh.DisconnectDetail));
        Assert.True(ssh.BytesToClient >= 5 && ssh.BytesToAgent == 0, $"{ssh.BytesToAgent}/{ssh.BytesToClient}");
        Assert.NotNull(ssh.ClientAddress);
        Assert.Null(rows.Connections[2].EndedAt);
        Assert.Null(rows.Connections[2].UserId);

        // Filters and keyset pages, as the owner (who sees every row).
        Assert.Equal(ssh.Id, Assert.Single((await ListAsync(owner, $"workspace={seeded.WorkspaceId}&type=ssh")).Connections).Id);
        Assert.Equal(ConnectionType.ControlPlane, Assert.Single((await ListAsync(owner, $"workspace={seeded.WorkspaceId}&open=true")).Connections).Type);
        Assert.Empty((await ListAsync(owner, $"workspace={seeded.WorkspaceId}&since={Uri.EscapeDataString(fixture.Clock.GetUtcNow().AddMinutes(1).ToString("O"))}")).Connections);
        var first = await ListAsync(owner, $"workspace={seeded.WorkspaceId}&limit=2");
        Assert.Equal(rows.Connections.Take(2).Select(c => c.Id), first.Connections.Select(c => c.Id));
        var second = await ListAsync(owner, $"workspace={seeded.WorkspaceId}&limit=2&after={first.NextAfter}");
        Assert.Equal(rows.Connections[2].Id, Assert.Single(second.Connections).Id);
        Assert.Null(second.NextAfter);
    }

    [Theory]
    [InlineData("type=bogus", "type: unknown type \"bogus\"")]
    [InlineData("since=yesterday", "the parameter since must be")]
    [InlineData("limit=many", "the parameter limit must be")]
    [InlineData("after=first", "the parameter after must be")]
    [InlineData("workspace=dev", "the parameter workspace must be")]
    [InlineData("open=maybe", "the parameter open must be")]
    public async Task A_bad_connection_log_filter_is_a_400_naming_it(string query, string detail)
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        using var response = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, $"/api/v2/connections?{query}", owner);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await IdentityApi.ProblemAsync(response);
        Assert.Equal(ProblemCodes.InvalidRequest, problem.Code);
        Assert.StartsWith(detail, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_opened_before_its_agent_connects_is_dialled_once_the_agent_connects()
    {
        // A server restart: the client's terminal reconnects before the agent does, so the first dial reaches nobody.
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var (memberId, member) = await CreateMemberAsync(owner);
        var seeded = await SeedAgentOwnedByAsync(memberId);
        var pubsub = fixture.Server.Services.GetRequiredService<Server.Pubsub.IPubsub>();
        await using var dials = await pubsub.SubscribeAsync(SessionDialBus.Channel, TestTimeouts.Token());
        var (socket, status) = await ConnectAsync(seeded.AgentId, member);
        Assert.True(socket is not null, $"refused with {status}");
        using (socket)
        {
            await socket.SendJsonAsync(SessionFrameType.Header, new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "printf late"] },
                SessionJsonContext.Default.SessionHeader, CancellationToken.None);

            // The first dial is out, and no agent was there to take it.
            await using (var reading = dials.ReadAllAsync(TestTimeouts.Token()).GetAsyncEnumerator())
            {
                Assert.True(await reading.MoveNextAsync().AsTask().WithTimeout());
            }

            // The dial timeout runs on the fake clock, which stands still: without a second dial this session waits for ever.
            await using var agent = new RunningAgent(fixture.BaseAddress, seeded.Token);
            var (frames, close) = await ReadAllAsync(socket).WithTimeout();

            Assert.Equal("late", Stdout(frames));
            Assert.Equal("graceful", close.Reason);
        }
    }

    [Fact]
    public async Task A_dial_ticket_works_once_for_its_agent_and_not_after_it_expired()
    {
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var otherAgent = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var tickets = fixture.Server.Services.GetRequiredService<SessionTickets>();

        var pending = tickets.Issue(seeded.AgentId);
        var (socket, status) = await DialAsync(seeded.Token, pending.Ticket);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        pending.Done.TrySetResult();
        socket!.Dispose();
        Assert.Equal(HttpStatusCode.Unauthorized, (await DialAsync(seeded.Token, pending.Ticket)).Status);

        var forAnother = tickets.Issue(seeded.AgentId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DialAsync(otherAgent.Token, forAnother.Ticket)).Status);

        var expired = tickets.Issue(seeded.AgentId);
        fixture.Clock.Advance(new SessionRelayOptions().TicketLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await DialAsync(seeded.Token, expired.Ticket)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DialAsync(seeded.Token, "made-up")).Status);
    }

    [Fact]
    public async Task A_terminal_of_zero_or_absurd_size_is_refused_and_such_resizes_never_reach_it()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        await using var agent = new RunningAgent(fixture.BaseAddress, seeded.Token);
        await SessionRelayFixture.RegisteredAsync(fixture.AgentApiLog, seeded.AgentId);

        var (_, zero) = await RunAsync(seeded.AgentId, owner, new SessionHeader { Kind = SessionKind.Pty, Rows = 0, Cols = 0 });
        Assert.Equal(("protocol_error", "rows: 0 is outside 1-1000"), (zero.Reason, zero.Detail));
        var (_, huge) = await RunAsync(seeded.AgentId, owner, new SessionHeader { Kind = SessionKind.Pty, Rows = 24, Cols = 5000 });
        Assert.Equal(("protocol_error", "cols: 5000 is outside 1-1000"), (huge.Reason, huge.Detail));

        // The shell reads a line, then prints its size: the valid resize is applied, the later bad ones are not.
        var (frames, _) = await RunAsync(seeded.AgentId, owner, new SessionHeader { Kind = SessionKind.Pty, Rows = 24, Cols = 80, Command = "read line; stty size" },
            SessionFrames.Resize(30, 100), SessionFrames.Resize(0, 0), SessionFrames.Resize(5000, 5000), SessionFrames.Encode(SessionFrameType.Stdin, "\n"u8));
        Assert.Contains("30 100", Stdout(frames), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_workspace_ends_an_open_session_with_workspace_stopped_for_the_client_the_relay_log_and_the_connection_log()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        await using var agent = new RunningAgent(fixture.BaseAddress, seeded.Token);
        await SessionRelayFixture.RegisteredAsync(fixture.AgentApiLog, seeded.AgentId);
        var (socket, _) = await ConnectAsync(seeded.AgentId, owner);
        using (socket)
        {
            await socket!.SendJsonAsync(SessionFrameType.Header, new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "echo up; exec sleep 300"] }, SessionJsonContext.Default.SessionHeader, CancellationToken.None);
            var reading = ReadAllAsync(socket);
            var opened = await fixture.RelayLog.WaitForAsync(e => e.EventId == 4500 && e.Field("AgentId") == seeded.AgentId.ToString());
            await Eventually.ReadAsync(() => ListAsync(owner, $"workspace={seeded.WorkspaceId}&type=exec&open=true"), p => p.Connections.Count == 1);

            await AgentSeed.QueueBuildAsync(fixture.ConnectionString, seeded, WorkspaceTransition.Stop);
            var (_, close) = await reading.WithTimeout();
            Assert.Equal("workspace_stopped", close.Reason);

            var ended = await fixture.RelayLog.WaitForAsync(e => e.EventId == 4501 && e.Field("RelayId") == opened.Field("RelayId"));
            Assert.Equal(("workspace_stopped", "True"), (ended.Field("disconnect_reason"), ended.Field("disconnect_expected")));
            var row = Assert.Single((await Eventually.ReadAsync(() => ListAsync(owner, $"workspace={seeded.WorkspaceId}&type=exec"), p => p.Connections.All(c => c.EndedAt is not null))).Connections);
            Assert.Equal(opened.Field("RelayId"), row.Id.ToString());
            Assert.Equal("workspace_stopped", row.DisconnectReason);
            Assert.Null(row.ExitCode);
        }
    }

    [Fact]
    public async Task Rows_a_crashed_replica_left_open_are_closed_by_the_sweep_and_this_replicas_are_kept()
    {
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var crashed = Guid.NewGuid();
        var stale = fixture.Clock.GetUtcNow() - TimeSpan.FromMinutes(10);
        await AgentSeed.QueryAsync(fixture.ConnectionString, """
            INSERT INTO connection_logs (id, agent_id, workspace_id, type, started_at, replica_id, last_seen_at) VALUES ($1, $2, $3, 'pty', $4, $5, $4) RETURNING id
            """, r => r.GetGuid(0), crashed, seeded.AgentId, seeded.WorkspaceId, stale, Guid.NewGuid());
        var ours = Guid.NewGuid();
        var store = fixture.Server.Services.GetRequiredService<ConnectionLogStore>();
        await store.OpenSessionAsync(new SessionRow(ours, ConnectionType.Exec, seeded.AgentId, seeded.WorkspaceId, seeded.UserId, "127.0.0.1", "relay", stale), CancellationToken.None);

        Assert.True(await fixture.Server.Services.GetRequiredService<ConnectionLogSweeper>().SweepAsync(CancellationToken.None) >= 1);

        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var rows = (await ListAsync(owner, $"workspace={seeded.WorkspaceId}")).Connections;
        var closed = Assert.Single(rows, r => r.Id == crashed);
        Assert.Equal(stale, closed.EndedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(("server_shutdown", false, "server"), (closed.DisconnectReason, closed.DisconnectExpected!.Value, closed.DisconnectInitiator));
        Assert.Contains("stopped without closing it", closed.DisconnectDetail, StringComparison.Ordinal);
        Assert.Null(Assert.Single(rows, r => r.Id == ours).EndedAt);
    }

    private async Task<SeededAgent> SeedAgentOwnedByAsync(Guid userId)
    {
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        await AgentSeed.QueryAsync(fixture.ConnectionString, "UPDATE workspaces SET owner_id = $1 WHERE id = $2 RETURNING id", r => r.GetGuid(0), userId, seeded.WorkspaceId);
        return seeded with { UserId = userId };
    }

    private async Task<(Guid Id, string Token)> CreateMemberAsync(string ownerToken)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var created = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/users", ownerToken,
            new CreateUserRequest { Email = $"m-{suffix}@example.com", Username = $"m-{suffix}", Password = "member-password" });
        created.EnsureSuccessStatusCode();
        var user = (await created.Content.ReadFromJsonAsync<User>(OutpostJson.Options))!;
        return (user.Id, (await IdentityApi.LoginAsync(fixture.Client, $"m-{suffix}@example.com", "member-password")).AccessToken);
    }

    private Task<ConnectionLogPage> ListAsync(string token, string query) => RelayClient.ListAsync(fixture.Client, token, query);

    private Task<(SessionSocket? Socket, HttpStatusCode Status)> ConnectAsync(Guid agentId, string token) => RelayClient.ConnectAsync(fixture.BaseAddress, agentId, token);

    private Task<(SessionSocket? Socket, HttpStatusCode Status)> DialAsync(string agentToken, string ticket) => RelayClient.DialAsync(fixture.BaseAddress, agentToken, ticket);

    private Task<(List<(SessionFrameType Type, byte[] Payload)> Frames, SessionClose Close)> RunAsync(Guid agentId, string token, SessionHeader header, params byte[][] sends) =>
        RelayClient.RunAsync(fixture.BaseAddress, agentId, token, header, sends);

    private static Task<(List<(SessionFrameType Type, byte[] Payload)> Frames, SessionClose Close)> ReadAllAsync(SessionSocket socket) => RelayClient.ReadAllAsync(socket);

    private static string Stdout(List<(SessionFrameType Type, byte[] Payload)> frames) => RelayClient.Stdout(frames);
}
