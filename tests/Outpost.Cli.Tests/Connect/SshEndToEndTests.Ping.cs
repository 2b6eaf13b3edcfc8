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
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, "pingdev");

        var text = await OutpostProcess.RunAsync(["ping", "pingdev", "--count", "3", "--interval", "0"], cli.Environment);
        Assert.True(text.ExitCode == 0, text.Stderr);
        var lines = text.Stdout.TrimEnd().Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Equal("PING pingdev.main via relay", lines[0]);
        for (var seq = 1; seq <= 3; seq++)
        {
            Assert.Matches($@"^pong from pingdev\.main via relay: seq={seq} time=\d+\.\d{{3}} ms$", lines[seq]);
        }

        var summary = Regex.Match(lines[4], @"^--- pingdev\.main: 3 sent, 3 received, 0% loss; time min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms$");
        Assert.True(summary.Success, lines[4]);
        var (min, avg, max) = (Number(summary.Groups[1].Value), Number(summary.Groups[2].Value), Number(summary.Groups[3].Value));
        Assert.True(min > 0 && min <= avg && avg <= max, lines[4]);

        var json = await OutpostProcess.RunAsync(["ping", "pingdev.main", "--count", "2", "--interval", "0", "--output", "json"], cli.Environment);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var report = JsonDocument.Parse(json.Stdout);
        var root = report.RootElement;
        Assert.Equal(("pingdev", "main", "relay"), (root.GetProperty("workspace").GetString(), root.GetProperty("agent").GetString(), root.GetProperty("path").GetString()));
        Assert.Equal((2, 2, 0.0), (root.GetProperty("sent").GetInt32(), root.GetProperty("received").GetInt32(), root.GetProperty("loss_percent").GetDouble()));
        Assert.Equal([1, 2], root.GetProperty("pings").EnumerateArray().Select(p => p.GetProperty("seq").GetInt32()));
        Assert.All(root.GetProperty("pings").EnumerateArray(), p => Assert.True(p.GetProperty("rtt_ms").GetDouble() > 0));
        Assert.True(root.GetProperty("min_ms").GetDouble() <= root.GetProperty("max_ms").GetDouble());

        // Each run was one ping session in the connection log, on the relay, with its bytes.
        var rows = await ConnectTesting.ConnectionsAsync(cli, ["pingdev", "--type", "ping"]);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.True(r.Path == "relay" && r.EndedAt is not null && r.BytesToAgent >= 2 * 64 && r.DisconnectReason == "client_closed", r.ToString()));
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
