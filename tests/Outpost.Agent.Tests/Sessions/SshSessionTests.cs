using System.Net;
using System.Net.Sockets;
using System.Text;
using Outpost.Agent.Sessions;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

/// <summary>The <c>ssh</c> kind: a byte stream to the agent's configured SSH port, opened once the server greeted.</summary>
public sealed class SshSessionTests
{
    [Fact]
    public async Task An_ssh_session_reaches_the_configured_ssh_port_and_passes_the_greeting_first()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var harness = new SessionHarness(options: new AgentSessionOptions { SshPort = PortOf(listener) });
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Ssh });
        using var inside = await listener.AcceptTcpClientAsync().WithTimeout();
        // Not opened before the server says something: a port that accepts and hangs up is not an SSH server.
        await inside.GetStream().WriteAsync("SSH-2.0-Test\r\n"u8.ToArray());
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null && c.StdoutText.Length > 0));
        Assert.Equal("SSH-2.0-Test\r\n", client.StdoutText);

        await client.SendAsync("SSH-2.0-Client\r\n");
        var buffer = new byte[16];
        await inside.GetStream().ReadExactlyAsync(buffer).AsTask().WithTimeout();
        Assert.Equal("SSH-2.0-Client\r\n", Encoding.UTF8.GetString(buffer));
        inside.Client.Shutdown(SocketShutdown.Send);
        Assert.True(await client.ReadToEndAsync());
        Assert.Equal("graceful", client.Close!.Reason);
        Assert.Equal("ssh", (await harness.Logger.WaitForIdAsync(5151)).Field("Kind"));
    }

    [Fact]
    public async Task No_ssh_server_and_a_port_that_hangs_up_are_told_apart()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = PortOf(listener);
        await using (var harness = new SessionHarness(options: new AgentSessionOptions { SshPort = port }))
        {
            var hangsUp = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Ssh });
            (await listener.AcceptTcpClientAsync().WithTimeout()).Dispose();
            Assert.True(await hangsUp.ReadToEndAsync());
            Assert.Null(hangsUp.Opened);
            Assert.Equal(("network_error", "agent"), (hangsUp.Close!.Reason, hangsUp.Close.Initiator));
            Assert.Equal($"the SSH port {port} inside the workspace closed the connection before the server greeted", hangsUp.Close.Detail);

            listener.Stop();
            var nobody = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Ssh });
            Assert.True(await nobody.ReadToEndAsync());
            Assert.Null(nobody.Opened);
            Assert.Equal($"no SSH server listens inside the workspace (port {port}: connection refused)", nobody.Close!.Detail);
        }
    }

    [Theory]
    [InlineData(22, null, "port: an ssh session goes to the agent's SSH port")]
    [InlineData(0, "10.0.0.1", "port: an ssh session goes to the agent's SSH port")]
    public void A_client_cannot_choose_where_an_ssh_session_goes(int port, string? host, string problem)
    {
        var header = new SessionHeader { Kind = SessionKind.Ssh, Port = port, Host = host };
        Assert.StartsWith(problem, header.Validate(), StringComparison.Ordinal);
        Assert.Equal(Sdk.Agents.ConnectionType.Ssh, new SessionHeader { Kind = SessionKind.Ssh }.LogType());
    }

    private static int PortOf(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;
}
