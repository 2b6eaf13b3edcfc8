using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Server.Agents;
using Outpost.Server.Hosting;
using Outpost.Server.Sessions;
using Outpost.Server.Tests.Agents;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Sessions;

/// <summary>
/// Two replicas on one PostgreSQL: the fixture's server (A, on a fake clock) takes the client, a second real server
/// (B, started by the test on the same database) holds the agent's control-plane connection. The dial request crosses
/// over the PostgreSQL pubsub, and the agent, which was only ever told B's URL, dials back to A.
/// </summary>
public sealed class SessionRelayReplicaTests(SessionRelayFixture fixture) : IClassFixture<SessionRelayFixture>
{
    [Fact]
    public async Task An_exec_and_a_terminal_on_one_replica_reach_an_agent_whose_control_plane_is_on_another()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        await using var replicaB = await Replica.StartAsync(fixture.ConnectionString);
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        await using var agent = new RunningAgent(replicaB.BaseAddress, seeded.Token);
        await SessionRelayFixture.RegisteredAsync(replicaB.AgentApiLog, seeded.AgentId);
        Assert.True(replicaB.Services.GetRequiredService<ControlPlaneHub>().TryGet(seeded.AgentId, out _));
        Assert.False(fixture.Server.Services.GetRequiredService<ControlPlaneHub>().TryGet(seeded.AgentId, out _));

        var (execFrames, execClose) = await RelayClient.RunAsync(fixture.BaseAddress, seeded.AgentId, owner,
            new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "head -c 5; printf ' across replicas'; exit 3"] },
            SessionFrames.Encode(SessionFrameType.Stdin, "hello"u8));
        Assert.Equal("hello across replicas", RelayClient.Stdout(execFrames));
        Assert.Equal(("graceful", "exit 3"), (execClose.Reason, execClose.Detail));

        var (ptyFrames, ptyClose) = await RelayClient.RunAsync(fixture.BaseAddress, seeded.AgentId, owner,
            new SessionHeader { Kind = SessionKind.Pty, Rows = 24, Cols = 80, ReconnectId = Guid.NewGuid(), Command = "read line; echo \"got-$line\"; tty; stty size" },
            SessionFrames.Resize(33, 101), SessionFrames.Encode(SessionFrameType.Stdin, "x\n"u8));
        var screen = RelayClient.Stdout(ptyFrames);
        Assert.Contains("got-x", screen, StringComparison.Ordinal);
        Assert.Contains("/dev/pts/", screen, StringComparison.Ordinal);
        Assert.Contains("33 101", screen, StringComparison.Ordinal);
        Assert.Equal("graceful", ptyClose.Reason);

        // Both sessions were relayed by A; B only passed the dial requests on, naming A as the relay.
        var relayed = fixture.RelayLog.WithId(4500).Where(e => e.Field("AgentId") == seeded.AgentId.ToString()).ToList();
        Assert.Equal(["exec", "pty"], relayed.Select(e => e.Field("Kind")));
        var delivered = replicaB.RelayLog.WithId(4503).Where(e => e.Field("AgentId") == seeded.AgentId.ToString()).ToList();
        Assert.Equal(2, delivered.Count);
        Assert.All(delivered, e => Assert.Equal(fixture.BaseAddress.GetLeftPart(UriPartial.Authority), new Uri(e.Field("RelayUrl")).GetLeftPart(UriPartial.Authority)));
        Assert.Empty(replicaB.RelayLog.WithId(4500));
        Assert.DoesNotContain(fixture.RelayLog.WithId(4503), e => e.Field("AgentId") == seeded.AgentId.ToString());
    }

    [Fact]
    public async Task The_control_plane_lost_mid_session_ends_it_with_control_plane_lost_for_the_client_the_relay_the_connection_log_and_the_agent()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var replicaB = await Replica.StartAsync(fixture.ConnectionString);
        await using var stopB = replicaB;
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        await using var agent = new RunningAgent(replicaB.BaseAddress, seeded.Token);
        await SessionRelayFixture.RegisteredAsync(replicaB.AgentApiLog, seeded.AgentId);

        var (socket, status) = await RelayClient.ConnectAsync(fixture.BaseAddress, seeded.AgentId, owner);
        Assert.True(socket is not null, $"refused with {status}");
        using (socket)
        {
            await socket.SendJsonAsync(SessionFrameType.Header, new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "echo up; exec sleep 300"] },
                SessionJsonContext.Default.SessionHeader, CancellationToken.None);
            SessionFrame? up;
            do
            {
                up = await socket.ReceiveAsync(CancellationToken.None).WithTimeout();
            }
            while (up is { Type: not SessionFrameType.Stdout });
            Assert.Equal("up\n", up is { } output ? Encoding.UTF8.GetString(output.Payload.Span) : null);
            var opened = await fixture.RelayLog.WaitForAsync(e => e.EventId == 4500 && e.Field("AgentId") == seeded.AgentId.ToString());

            // The server holding the control plane goes away (it closes the agent's connection as it stops); the
            // session's own sockets, between the agent and A, are untouched.
            await replicaB.DisposeAsync();
            await agent.DisconnectedAsync();
            var lost = await fixture.RelayLog.WaitForAsync(e => e.EventId == 4508 && e.Field("RelayId") == opened.Field("RelayId"));
            Assert.Equal(seeded.AgentId.ToString(), lost.Field("AgentId"));

            var reading = RelayClient.ReadAllAsync(socket);
            Assert.False(reading.IsCompleted);
            fixture.Clock.Advance(new SessionRelayOptions().ControlPlaneGrace + TimeSpan.FromSeconds(1));
            var (_, close) = await reading.WithTimeout();
            Assert.Equal(("control_plane_lost", "server"), (close.Reason, close.Initiator));
            Assert.Contains("control-plane connection was lost", close.Detail, StringComparison.Ordinal);

            var ended = await fixture.RelayLog.WaitForAsync(e => e.EventId == 4501 && e.Field("RelayId") == opened.Field("RelayId"));
            Assert.Equal(("control_plane_lost", "False", "server"), (ended.Field("disconnect_reason"), ended.Field("disconnect_expected"), ended.Field("disconnect_initiator")));
            var row = Assert.Single((await Eventually.ReadAsync(() => RelayClient.ListAsync(fixture.Client, owner, $"workspace={seeded.WorkspaceId}&type=exec"),
                p => p.Connections.All(c => c.EndedAt is not null))).Connections);
            Assert.Equal((opened.Field("RelayId"), "control_plane_lost", false, "server"), (row.Id.ToString(), row.DisconnectReason, row.DisconnectExpected, row.DisconnectInitiator));
            Assert.Null(row.ExitCode);

            // The agent ended its side with the reason the relay gave, and killed the command.
            var agentEnd = await agent.Log.WaitForAsync(e => e.EventId == 5151);
            Assert.Equal(("control_plane_lost", "server"), (agentEnd.Field("disconnect_reason"), agentEnd.Field("disconnect_initiator")));
        }
    }

    [Fact]
    public async Task A_direct_address_told_to_one_replica_is_handed_out_by_another_and_forgotten_when_the_agent_names_none()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        await using var replicaB = await Replica.StartAsync(fixture.ConnectionString);
        var seeded = await AgentSeed.CreateAsync(fixture.ConnectionString);
        using var agentClient = new HttpClient { BaseAddress = replicaB.BaseAddress };
        var ticketPath = SessionApi.DirectTicketPathFor(seeded.AgentId);
        async Task<HttpResponseMessage> TicketAsync(string? token)
        {
            using var ask = new HttpRequestMessage(HttpMethod.Post, ticketPath)
            {
                Content = JsonContent.Create(new DirectTicketRequest { Kind = SessionKind.Ssh }, SessionJsonContext.Default.DirectTicketRequest),
            };
            if (token is not null)
            {
                ask.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            return await fixture.Client.SendAsync(ask).WithTimeout();
        }

        async Task FetchManifestAsync(string address)
        {
            using var fetch = new HttpRequestMessage(HttpMethod.Get, AgentApi.Prefix + "/manifest");
            fetch.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", seeded.Token);
            fetch.Headers.Add(AgentApi.DirectAddressHeader, address);
            using var response = await agentClient.SendAsync(fetch).WithTimeout();
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        // Before the agent says anything, no replica has an address for it.
        using (var none = await TicketAsync(owner))
        {
            Assert.Equal(System.Net.HttpStatusCode.Conflict, none.StatusCode);
            Assert.Contains("no direct connections", (await IdentityApi.ProblemAsync(none)).Detail, StringComparison.Ordinal);
        }

        // The agent tells B; A (the fixture) hands out a ticket for that address.
        await FetchManifestAsync("127.0.0.1:45678");
        using (var granted = await TicketAsync(owner))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, granted.StatusCode);
            var grant = await granted.Content.ReadFromJsonAsync(SessionJsonContext.Default.DirectTicketGrant).WithTimeout();
            Assert.Equal("127.0.0.1:45678", grant!.Address);
            Assert.False(string.IsNullOrEmpty(grant.Ticket));
        }

        using (var anonymous = await TicketAsync(null))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // An empty header says the agent no longer listens: every replica forgets the address.
        await FetchManifestAsync(string.Empty);
        using (var forgotten = await TicketAsync(owner))
        {
            Assert.Equal(System.Net.HttpStatusCode.Conflict, forgotten.StatusCode);
        }

        // A bad address changes nothing and names the header.
        using (var bad = new HttpRequestMessage(HttpMethod.Get, AgentApi.Prefix + "/manifest"))
        {
            bad.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", seeded.Token);
            bad.Headers.Add(AgentApi.DirectAddressHeader, "not-an-address");
            using var refused = await agentClient.SendAsync(bad).WithTimeout();
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(AgentApi.DirectAddressHeader, (await IdentityApi.ProblemAsync(refused)).Detail, StringComparison.Ordinal);
        }

        var stored = await AgentSeed.QueryAsync(fixture.ConnectionString, "SELECT direct_address FROM workspace_agents WHERE id = $1",
            static r => r.IsDBNull(0) ? null : r.GetString(0), seeded.AgentId);
        Assert.Equal([null], stored);
    }

    /// <summary>A second real server on the fixture's database, on real time, with its relay log recorded.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private readonly RunningServer _server;
        private readonly string _dataDirectory;
        private int _disposed;

        private Replica(RunningServer server, string dataDirectory, RecordingLogger relayLog, RecordingLogger agentApiLog)
        {
            _server = server;
            _dataDirectory = dataDirectory;
            RelayLog = relayLog;
            AgentApiLog = agentApiLog;
        }

        public RecordingLogger RelayLog { get; }

        /// <summary>The agent API's log: 5101 says an agent's control connection is registered here (dials reach it from then on).</summary>
        public RecordingLogger AgentApiLog { get; }

        public Uri BaseAddress => _server.BaseAddress;

        public IServiceProvider Services => _server.Services;

        public static async Task<Replica> StartAsync(string connectionString)
        {
            var dataDirectory = Directory.CreateTempSubdirectory("outpost-test-replica-").FullName;
            var relayLog = new RecordingLogger();
            var agentApiLog = new RecordingLogger();
            var options = ServerFixture.CreateOptions(connectionString, dataDirectory) with
            {
                // The fixture's replica runs on a fake clock, so its rows' times say nothing to this one's sweep.
                SessionRelay = new SessionRelayOptions { ConnectionStaleAfter = TimeSpan.FromDays(1) },
                ConfigureApplication = app =>
                {
                    var loggers = app.Services.GetRequiredService<ILoggerFactory>();
                    loggers.AddProvider(new SessionRelayFixture.CategoryLogProvider(SessionRelayLog.Category, relayLog));
                    loggers.AddProvider(new SessionRelayFixture.CategoryLogProvider(Outpost.Server.Agents.AgentApiLog.Category, agentApiLog));
                },
            };
            var start = await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();
            return new Replica(start.Server ?? throw new InvalidOperationException($"replica B did not start: {start.Error}"), dataDirectory, relayLog, agentApiLog);
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                await _server.DisposeAsync();
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }
}
