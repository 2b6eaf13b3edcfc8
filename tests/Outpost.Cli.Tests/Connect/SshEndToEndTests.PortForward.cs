using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

public sealed partial class SshEndToEndTests
{
    [Fact]
    public async Task Port_forward_reaches_an_http_server_started_inside_the_workspace_and_says_when_a_port_is_refused_there()
    {
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, "pfdev");
        var served = ConnectTesting.FreePort();
        var closed = ConnectTesting.FreePort();
        await using var http = OutpostProcess.Start(["ssh", "pfdev", "--", "/usr/bin/python3", "-u", "-m", "http.server", served.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1"], cli.Environment);
        await http.WaitForLineAsync(l => l.Contains("Serving HTTP", StringComparison.Ordinal));

        await using var forward = OutpostProcess.Start(["port-forward", "pfdev", "--tcp", $"127.0.0.1:0:{served}", "--tcp", $"0:{closed}"], cli.Environment);
        var servedLine = await forward.WaitForLineAsync(l => l.EndsWith($"-> pfdev:{served}", StringComparison.Ordinal));
        var closedLine = await forward.WaitForLineAsync(l => l.EndsWith($"-> pfdev:{closed}", StringComparison.Ordinal));

        using var client = new HttpClient { Timeout = TestTimeouts.Default };
        Assert.Equal("Hello from Outpost\n", await client.GetStringAsync(new Uri($"http://127.0.0.1:{LocalPort(servedLine)}/greeting.txt")));
        // A second request is a second connection, so a second session.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{LocalPort(servedLine)}/missing"))).StatusCode);

        using var refused = new TcpClient();
        await refused.ConnectAsync(IPAddress.Loopback, LocalPort(closedLine)).WaitAsync(TestTimeouts.Default);
        Assert.Equal(0, await refused.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TestTimeouts.Default));
        var said = await forward.WaitForLineAsync(l => l.Contains($"port {closed}:", StringComparison.Ordinal));
        Assert.Contains("connection refused inside the workspace", said, StringComparison.Ordinal);

        // Each accepted connection was a session of its own in the connection log; the server's ssh session is still open.
        var forwards = await ConnectTesting.ConnectionsAsync(cli, ["pfdev", "--type", "port_forward"]);
        Assert.Equal(3, forwards.Count);
        Assert.Equal(2, forwards.Count(f => f.DisconnectReason == "graceful" && f.BytesToClient > 0));
        Assert.Contains(forwards, f => f.DisconnectReason == "network_error" && f.DisconnectDetail!.Contains("connection refused inside the workspace", StringComparison.Ordinal));
        var open = Assert.Single(await ConnectTesting.ConnectionsAsync(cli, ["pfdev", "--open", "--type", "ssh"], open: _ => true));
        Assert.Null(open.EndedAt);
    }

    [Theory]
    [InlineData("8080:0", "the workspace port \"0\" is outside 1-65535")]
    [InlineData("8080:70000", "the workspace port \"70000\" is outside 1-65535")]
    [InlineData("99999:80", "the local port \"99999\" is outside 0-65535")]
    [InlineData("localhost:8080:80", "\"localhost\" is not an IP address")]
    [InlineData("8080", "expected [BIND:]LOCAL:REMOTE")]
    public async Task Port_forward_refuses_a_bad_port_before_dialing_naming_the_flag(string spec, string problem)
    {
        using var cli = new TestCli();
        var run = await cli.RunAsync("port-forward", "nowhere", "--tcp", spec);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"--tcp {spec}: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(problem, run.Stderr, StringComparison.Ordinal);
    }

    private static int LocalPort(string forwardingLine) =>
        int.Parse(Regex.Match(forwardingLine, @"Forwarding [^ ]*:(\d+) ->").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
