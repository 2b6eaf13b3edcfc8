using System.Text.Json;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>Issue 24: <c>outpost diagnose</c> over a real workspace's server timeline and this machine's telemetry.</summary>
public sealed partial class SshEndToEndTests
{
    [Fact]
    public async Task Diagnose_tells_the_story_of_a_workspace_stopped_under_an_open_session_and_finds_nothing_to_investigate()
    {
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, "diagdev");
        var quick = await OutpostProcess.RunAsync(["ssh", "diagdev", "--", "true"], cli.Environment);
        Assert.True(quick.ExitCode == 0, quick.Stderr);

        // A session is open when the workspace stops: it ends with workspace_stopped, which is expected.
        await using (var open = OutpostProcess.Start(["ssh", "diagdev", "--", "sh", "-c", "echo up; exec sleep 300"], cli.Environment))
        {
            await open.WaitForLineAsync(l => l == "up");
            var stop = await cli.RunAsync("stop", "diagdev", "--yes", "--wait");
            Assert.True(stop.ExitCode == 0, stop.Stderr);
            await open.WaitForExitAsync();
        }

        // The relay closes its row just after the client saw the end; read again until that landed.
        await ConnectTesting.ConnectionsAsync(cli, ["diagdev"]);
        var text = await cli.RunAsync("diagnose", "diagdev");
        Assert.True(text.ExitCode == 0, text.Stdout + text.Stderr);
        Assert.StartsWith($"Workspace {ClockedServerFixture.OwnerUsername}/diagdev: ", text.Stdout, StringComparison.Ordinal);
        foreach (var kind in new[] { "build.queued", "build.claimed", "build.succeeded", "agent.lifecycle", "agent.connected", "session.opened", "session.closed", "agent.disconnected",
            "workspace.state_transitioned", "workspace.connection.opened", "workspace.connection.closed" })
        {
            Assert.Contains(kind, text.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("because the workspace was stopped", text.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("Nothing needs investigating.\n", text.Stdout, StringComparison.Ordinal);

        var json = await cli.RunAsync("diagnose", $"{ClockedServerFixture.OwnerUsername}/diagdev", "--since", "1h", "--output", "json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var report = JsonDocument.Parse(json.Stdout);
        var root = report.RootElement;
        Assert.Equal("included", root.GetProperty("server_part").GetString());
        var records = root.GetProperty("records").EnumerateArray().ToList();
        Assert.Contains(records, r => r.GetProperty("origin").GetString() == "client" && r.GetProperty("kind").GetString() == "workspace.connection.opened");
        Assert.Equal(2, records.Count(r => r.GetProperty("kind").GetString() == "build.succeeded"));
        var times = records.Select(r => r.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        var incidents = root.GetProperty("incidents").EnumerateArray().ToList();
        Assert.Contains(incidents, i => i.GetProperty("rule").GetString() == "session-workspace-stopped" && i.GetProperty("verdict").GetString() == "expected");
        Assert.Contains(incidents, i => i.GetProperty("rule").GetString() == "agent-disconnect-expected");
        Assert.DoesNotContain(incidents, i => i.GetProperty("verdict").GetString() == "investigate");

        var unknown = await cli.RunAsync("diagnose", "nosuch");
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        var badSince = await cli.RunAsync("diagnose", "diagdev", "--since", "yesterday");
        Assert.Equal(ExitCodes.Usage, badSince.ExitCode);
        Assert.Contains("--since \"yesterday\"", badSince.Stderr, StringComparison.Ordinal);
    }
}
