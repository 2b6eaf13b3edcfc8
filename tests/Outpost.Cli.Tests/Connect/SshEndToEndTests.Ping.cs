using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

public sealed partial class SshEndToEndTests
{
    [Fact]
    public async Task Ping_prints_the_path_and_each_round_trip_then_the_summary_as_text_and_json()
    {
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, "pingdev", direct: true);

        // A local agent accepts direct connections: the pings take that path.
        var text = await OutpostProcess.RunAsync(["ping", "pingdev", "--count", "3", "--interval", "0"], cli.Environment);
        Assert.True(text.ExitCode == 0, text.Stderr);
        var lines = text.Stdout.TrimEnd().Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^PING pingdev\.main via direct \(127\.0\.0\.1:\d+\)$", lines[0]);
        for (var seq = 1; seq <= 3; seq++)
        {
            Assert.Matches($@"^pong from pingdev\.main via direct: seq={seq} time=\d+\.\d{{3}} ms$", lines[seq]);
        }

        var summary = Regex.Match(lines[4], @"^--- pingdev\.main: 3 sent, 3 received, 0% loss; time min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms$");
        Assert.True(summary.Success, lines[4]);
        var (min, avg, max) = (Number(summary.Groups[1].Value), Number(summary.Groups[2].Value), Number(summary.Groups[3].Value));
        Assert.True(min > 0 && min <= avg && avg <= max, lines[4]);

        // With direct connections turned off, the relay, and the reason in the report.
        var json = await OutpostProcess.RunAsync(["ping", "pingdev.main", "--count", "2", "--interval", "0", "--output", "json"],
            new Dictionary<string, string?>(cli.Environment) { [Outpost.Cli.Connect.AgentConnector.DisableDirectVariable] = "1" });
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var report = JsonDocument.Parse(json.Stdout);
        var root = report.RootElement;
        Assert.Equal(("pingdev", "main", "relay"), (root.GetProperty("workspace").GetString(), root.GetProperty("agent").GetString(), root.GetProperty("path").GetString()));
        Assert.Equal($"direct connections are turned off ({Outpost.Cli.Connect.AgentConnector.DisableDirectVariable})", root.GetProperty("direct_failure").GetString());
        Assert.Equal((2, 2, 0.0), (root.GetProperty("sent").GetInt32(), root.GetProperty("received").GetInt32(), root.GetProperty("loss_percent").GetDouble()));
        Assert.Equal([1, 2], root.GetProperty("pings").EnumerateArray().Select(p => p.GetProperty("seq").GetInt32()));
        Assert.All(root.GetProperty("pings").EnumerateArray(), p => Assert.True(p.GetProperty("rtt_ms").GetDouble() > 0));
        Assert.True(root.GetProperty("min_ms").GetDouble() <= root.GetProperty("max_ms").GetDouble());

        // Each run was one ping session in the connection log, on its path, with its bytes (the direct one as its agent reported it).
        var rows = await ConnectTesting.ConnectionsAsync(cli, ["pingdev", "--type", "ping"]);
        Assert.Equal(["direct", "relay"], rows.Select(r => r.Path).Order());
        Assert.All(rows, r => Assert.True(r.EndedAt is not null && r.BytesToAgent >= 2 * 64 && r.DisconnectReason == "client_closed", r.ToString()));
    }

    [Fact]
    public async Task Killing_the_direct_path_mid_session_ends_it_with_network_error_and_it_does_not_switch_to_the_relay()
    {
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, "killdev", direct: true);
        var ping = await OutpostProcess.RunAsync(["ping", "killdev", "--count", "1", "--output", "json"], cli.Environment);
        Assert.True(ping.ExitCode == 0, ping.Stderr);
        using var report = JsonDocument.Parse(ping.Stdout);
        var port = report.RootElement.GetProperty("address").GetString()!.Split(':')[1];

        await using var sleeper = OutpostProcess.Start(["ssh", "killdev", "--", "sh", "-c", "echo up; sleep 300"], cli.Environment);
        await sleeper.WaitForLineAsync(l => l == "up");
        // Both ends of every connection to the agent's direct port are destroyed, as a network that drops them would.
        foreach (var filter in new[] { $"dport = :{port}", $"sport = :{port}" })
        {
            using var kill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ss", ["-K", "dst", "127.0.0.1", filter]) { RedirectStandardOutput = true })!;
            await kill.WaitForExitAsync().WithTimeout();
        }

        Assert.Equal(255, await sleeper.WaitForExitAsync());
        Assert.Contains("disconnect_reason=network_error", sleeper.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("using the relay", sleeper.StandardError, StringComparison.Ordinal);
        var rows = await ConnectTesting.ConnectionsAsync(cli, ["killdev", "--type", "ssh"]);
        var row = Assert.Single(rows);
        Assert.Equal(("direct", "network_error"), (row.Path, row.DisconnectReason));
    }

    [Theory]
    [InlineData("--count", "0", "--count 0: must be 1-10000")]
    [InlineData("--interval", "-1", "--interval -1: must be 0-60 seconds")]
    [InlineData("--timeout", "0", "--timeout 0: must be 0.01-60 seconds")]
    public async Task Ping_refuses_bad_flags_before_connecting(string flag, string value, string problem)
    {
        using var cli = new TestCli();
        var run = await cli.RunAsync("ping", "nowhere", flag, value);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(problem, run.Stderr, StringComparison.Ordinal);
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
