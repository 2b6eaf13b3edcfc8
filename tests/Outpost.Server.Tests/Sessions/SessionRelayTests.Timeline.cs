using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Sessions;
using Outpost.Server.Tests.Agents;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Sessions;

/// <summary>Issue 24's server timeline over what the relay, the agent API and the builds recorded for one workspace.</summary>
public sealed partial class SessionRelayTests
{
    [Fact]
    public async Task A_workspace_timeline_joins_its_build_the_agents_lifecycle_and_connections_and_its_sessions_in_order()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var (memberId, member) = await CreateMemberAsync(owner);
        var (_, other) = await CreateMemberAsync(owner);
        var seeded = await SeedAgentOwnedByAsync(memberId);
        await using (var agent = new RunningAgent(fixture.BaseAddress, seeded.Token))
        {
            await SessionRelayFixture.RegisteredAsync(fixture.AgentApiLog, seeded.AgentId);
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            var (_, close) = await RunAsync(seeded.AgentId, member, new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "exit 4"] });
            Assert.Equal("graceful", close.Reason);
            await Eventually.ReadAsync(() => ListAsync(member, $"workspace={seeded.WorkspaceId}&type=exec"), p => p.Connections.Any(c => c.EndedAt is not null));
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await fixture.AgentApiLog.WaitForAsync(e => e.EventId == 5102 && e.Field("AgentId") == seeded.AgentId.ToString());
        var path = TimelineApi.PathFor(seeded.WorkspaceId);
        var timeline = await ReadTimelineAsync(member, path);
        var kinds = timeline.Entries.Select(e => e.Kind).ToList();

        // The seeded build was queued, claimed and succeeded; the agent connected, a session opened and closed, the agent left.
        Assert.Equal(["build.queued", "build.claimed", "build.succeeded"], kinds.Where(k => k.StartsWith("build.", StringComparison.Ordinal)));
        var connected = kinds.IndexOf("agent.connected");
        var opened = kinds.IndexOf("session.opened");
        var closed = kinds.IndexOf("session.closed");
        var disconnected = kinds.IndexOf("agent.disconnected");
        Assert.True(connected >= 0 && connected < opened && opened < closed && closed < disconnected, string.Join(", ", kinds));
        Assert.Contains(timeline.Entries, e => e.Kind == "agent.lifecycle" && e.Fields["state"] == "ready" && e.Agent == "main");
        Assert.Equal(timeline.Entries.OrderBy(e => e.Time).Select(e => e.Time), timeline.Entries.Select(e => e.Time));

        var session = timeline.Entries[closed];
        Assert.Equal((TimelineSource.Session, "exec", "graceful", "agent", "4", 1), (session.Source, session.Fields["type"], session.Fields["disconnect_reason"],
            session.Fields["disconnect_initiator"], session.Fields["exit_code"], session.BuildNumber));
        Assert.Equal(timeline.Entries[opened].Fields["connection_id"], session.Fields["connection_id"]);
        var left = timeline.Entries[disconnected];
        Assert.Equal((TimelineSource.ControlPlane, "true"), (left.Source, left.Fields["disconnect_expected"]));
        Assert.False(timeline.Entries[0].Fields.ContainsKey("error"));

        // Pages of two walk the same entries; since/until bound them.
        var walked = new List<TimelineEntry>();
        string? after = null;
        do
        {
            var page = await ReadTimelineAsync(owner, $"{path}?limit=2{(after is null ? string.Empty : "&after=" + after)}");
            Assert.True(page.Entries.Count <= 2);
            walked.AddRange(page.Entries);
            after = page.NextAfter;
        }
        while (after is not null);
        Assert.Equal(timeline.Entries.Select(e => (e.Kind, e.Time)), walked.Select(e => (e.Kind, e.Time)));
        var since = timeline.Entries[opened].Time;
        var until = timeline.Entries[closed].Time.AddMilliseconds(1);
        var bounded = await ReadTimelineAsync(owner, $"{path}?since={Uri.EscapeDataString(since.ToString("O"))}&until={Uri.EscapeDataString(until.ToString("O"))}");
        Assert.All(bounded.Entries, e => Assert.True(e.Time >= since && e.Time < until));
        Assert.Contains(bounded.Entries, e => e.Kind == "session.opened");
        Assert.Contains(bounded.Entries, e => e.Kind == "session.closed");
        Assert.DoesNotContain(bounded.Entries, e => e.Kind is "agent.connected" or "agent.disconnected");

        // Another member: no such workspace. Bad input names the field and changes nothing.
        using (var hidden = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, path, other))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal(ProblemCodes.WorkspaceNotFound, (await IdentityApi.ProblemAsync(hidden)).Code);
        }

        // Only users read a timeline: no credential, or the workspace's own agent token, is refused before anything is read.
        using (var anonymous = await fixture.Client.GetAsync(path).WithTimeout())
        {
            Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized), (anonymous.StatusCode, (await IdentityApi.ProblemAsync(anonymous)).Code));
        }

        using (var asAgent = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, path, seeded.Token))
        {
            Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.TokenInvalid), (asAgent.StatusCode, (await IdentityApi.ProblemAsync(asAgent)).Code));
        }

        foreach (var (query, field) in new[] { ("after=not-a-cursor!", "after"), ("limit=0", "limit"), ($"since={Uri.EscapeDataString(since.ToString("O"))}&until={Uri.EscapeDataString(since.ToString("O"))}", "until") })
        {
            using var bad = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, $"{path}?{query}", owner);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.StartsWith(field, (await IdentityApi.ProblemAsync(bad)).Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_session_carries_the_openers_trace_to_the_connection_log_the_timeline_and_the_agents_session_span()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var (memberId, member) = await CreateMemberAsync(owner);
        var seeded = await SeedAgentOwnedByAsync(memberId);
        var traceId = ActivityTraceId.CreateRandom();
        var parent = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        var agentSpans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Outpost.Agent",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (agentSpans)
                {
                    agentSpans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using (var agent = new RunningAgent(fixture.BaseAddress, seeded.Token))
        {
            await SessionRelayFixture.RegisteredAsync(fixture.AgentApiLog, seeded.AgentId);
            var (socket, status) = await RelayClient.ConnectAsync(fixture.BaseAddress, seeded.AgentId, member, parent);
            Assert.True(socket is not null, $"refused with {status}");
            using (socket)
            {
                await socket.SendJsonAsync(SessionFrameType.Header, new SessionHeader { Kind = SessionKind.Exec, Command = "true" }, SessionJsonContext.Default.SessionHeader, CancellationToken.None);
                await RelayClient.ReadAllAsync(socket).WithTimeout();
            }

            await Eventually.ReadAsync(() => ListAsync(member, $"workspace={seeded.WorkspaceId}&type=exec"), p => p.Connections.Any(c => c.EndedAt is not null));
        }

        var timeline = await ReadTimelineAsync(member, TimelineApi.PathFor(seeded.WorkspaceId));
        Assert.All(timeline.Entries.Where(e => e.Source == TimelineSource.Session), e => Assert.Equal(traceId.ToHexString(), e.TraceId));
        Assert.Equal(2, timeline.Entries.Count(e => e.Source == TimelineSource.Session));
        Assert.All(timeline.Entries.Where(e => e.Source != TimelineSource.Session), e => Assert.Null(e.TraceId));

        // The agent's handling of the session is a span of the same trace.
        lock (agentSpans)
        {
            Assert.Contains(agentSpans, a => a.OperationName == "session" && a.TraceId == traceId);
        }
    }

    [Fact]
    public async Task A_direct_session_reported_with_its_openers_trace_id_shows_it_and_a_malformed_one_is_refused_naming_it()
    {
        var owner = (await IdentityApi.LoginAsync(fixture.Client)).AccessToken;
        var (memberId, member) = await CreateMemberAsync(owner);
        var seeded = await SeedAgentOwnedByAsync(memberId);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        DirectSessionReport Report(string? trace) => new()
        {
            Id = Guid.NewGuid(), Kind = SessionKind.Ping, UserId = memberId, ClientAddress = "127.0.0.1",
            StartedAt = DateTimeOffset.UtcNow.AddSeconds(-2), EndedAt = DateTimeOffset.UtcNow,
            DisconnectReason = "graceful", DisconnectInitiator = "client", DisconnectDetail = "done", TraceId = trace,
        };

        using var malformed = await ReportDirectAsync(seeded.Token, Report(traceId.ToUpperInvariant()));
        using var accepted = await ReportDirectAsync(seeded.Token, Report(traceId));

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.StartsWith("trace_id:", (await IdentityApi.ProblemAsync(malformed)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        var timeline = await ReadTimelineAsync(member, TimelineApi.PathFor(seeded.WorkspaceId));
        var direct = timeline.Entries.Where(e => e.Source == TimelineSource.Session).ToList();
        Assert.Equal(2, direct.Count);
        Assert.All(direct, e => Assert.Equal(traceId, e.TraceId));
    }

    private async Task<HttpResponseMessage> ReportDirectAsync(string agentToken, DirectSessionReport report)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Sdk.Agents.AgentApi.Prefix}/{DirectSessionReport.Path}")
        {
            Content = JsonContent.Create(report, SessionJsonContext.Default.DirectSessionReport),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", agentToken);
        return await fixture.Client.SendAsync(request).WithTimeout();
    }

    private async Task<WorkspaceTimeline> ReadTimelineAsync(string token, string pathAndQuery)
    {
        using var response = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, pathAndQuery, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(TimelineJsonContext.Default.WorkspaceTimeline).WithTimeout())!;
    }
}
