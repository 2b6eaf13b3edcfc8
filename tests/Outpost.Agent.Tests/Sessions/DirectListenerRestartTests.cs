using System.Net;
using System.Net.Sockets;
using System.Text;
using NSec.Cryptography;
using Outpost.Agent.Sessions;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

/// <summary>The direct listener outlives one agent run: after a restart (a prebuild's reinitialisation) it accepts again at the same address.</summary>
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
}
