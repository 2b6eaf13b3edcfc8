using System.Net;
using System.Net.Sockets;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

public sealed class TcpSessionTests
{
    [Fact]
    public async Task A_tcp_session_reaches_a_port_inside_the_workspace_both_ways()
    {
        await using var harness = new SessionHarness();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Tcp, Port = ((IPEndPoint)listener.LocalEndpoint).Port });
        using var inside = await listener.AcceptTcpClientAsync().WithTimeout();
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));

        await client.SendAsync("ping");
        var buffer = new byte[4];
        await inside.GetStream().ReadExactlyAsync(buffer).AsTask().WithTimeout();
        await inside.GetStream().WriteAsync("pong"u8.ToArray());
        inside.Client.Shutdown(SocketShutdown.Send);
        Assert.True(await client.ReadToEndAsync());

        Assert.Equal("ping", System.Text.Encoding.UTF8.GetString(buffer));
        Assert.Equal("pong", client.StdoutText);
        Assert.Equal("graceful", client.Close!.Reason);
    }

    [Fact]
    public async Task A_refused_port_says_connection_refused_inside_the_workspace()
    {
        await using var harness = new SessionHarness();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Tcp, Port = port });
        Assert.True(await client.ReadToEndAsync());

        Assert.Null(client.Opened);
        Assert.Equal("network_error", client.Close!.Reason);
        Assert.Equal($"connection refused inside the workspace (127.0.0.1:{port})", client.Close.Detail);
    }
}
