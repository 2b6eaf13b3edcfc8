using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using NSec.Cryptography;
using Outpost.Agent.Sessions;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

/// <summary>
/// The direct listener outlives one agent run: after a restart (a prebuild's reinitialisation) it accepts again at the same
/// address; and a direct session continues the trace of the client that opened it.
/// </summary>
public sealed class DirectListenerRestartTests
{
    [Fact]
    public async Task A_listener_whose_first_run_stopped_serves_connections_in_the_next_run()
    {
        await using var harness = new SessionHarness();
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var verifier = new DirectTicketVerifier(key.PublicKey, Guid.NewGuid(), TimeProvider.System);
        using var listener = DirectListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using (var first = new CancellationTokenSource())
        {
            var run = listener.RunAsync(verifier, harness.Sessions, _ => Task.CompletedTask, TimeProvider.System, harness.Logger, first.Token);
            await first.CancelAsync();
            await run.WithTimeout();
        }

        using var second = new CancellationTokenSource();
        var again = listener.RunAsync(verifier, harness.Sessions, _ => Task.CompletedTask, TimeProvider.System, harness.Logger, second.Token);
        using var client = new TcpClient();
        await client.ConnectAsync(IPEndPoint.Parse(listener.Address)).WithTimeout();
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: agent\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer).AsTask().WithTimeout();

        // Served (refused for want of a ticket), not reset: the second run accepted the connection.
        Assert.StartsWith("HTTP/1.1 ", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        await second.CancelAsync();
        await again.WithTimeout();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_direct_session_continues_the_clients_trace_and_reports_its_trace_id(bool sendTrace)
    {
        await using var harness = new SessionHarness();
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var agent = Guid.NewGuid();
        var verifier = new DirectTicketVerifier(key.PublicKey, agent, TimeProvider.System);
        using var listener = DirectListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var reported = new TaskCompletionSource<DirectSessionReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        var trace = ActivityTraceId.CreateRandom();

        // Listeners are process-wide: other tests' sessions may stop here too, but only this one is in this trace.
        var sessionInTrace = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Outpost.Agent",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "session" && activity.TraceId == trace)
                {
                    sessionInTrace.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(spans);
        using var stop = new CancellationTokenSource();
        var run = listener.RunAsync(verifier, harness.Sessions, r => { reported.TrySetResult(r); return Task.CompletedTask; }, TimeProvider.System, harness.Logger, stop.Token);

        var ticket = new DirectTicket
        {
            Id = Guid.NewGuid(), UserId = Guid.NewGuid(), AgentId = agent, Kind = SessionKind.Ping,
            ExpiresAt = (DateTimeOffset.UtcNow + DirectTicket.Lifetime).ToUnixTimeSeconds(),
        };
        using (var client = new ClientWebSocket())
        {
            client.Options.SetRequestHeader(DirectTicket.Header, ticket.Sign(key));
            if (sendTrace)
            {
                client.Options.SetRequestHeader("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            }

            await client.ConnectAsync(new Uri($"ws://{listener.Address}{DirectTicket.AgentPath}"), CancellationToken.None).WithTimeout();
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WithTimeout();
        }

        var report = await reported.Task.WithTimeout();

        if (sendTrace)
        {
            Assert.Equal(trace.ToHexString(), report.TraceId);
            Assert.Equal(ActivityKind.Server, (await sessionInTrace.Task.WithTimeout()).Kind);
        }
        else
        {
            Assert.Null(report.TraceId);
        }

        await stop.CancelAsync();
        await run.WithTimeout();
    }
}
