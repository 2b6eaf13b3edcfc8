using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

/// <summary>
/// Issue 14 point 7: the monitor watches before the build is triggered, so a build that the daemon
/// finishes as soon as it is queued still shows its provisioning states and a build duration.
/// </summary>
public sealed class FastBuildTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly WorkspaceTestBed _bed = new(server);

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task A_build_that_ends_at_once_still_yields_its_provisioning_states_and_a_build_duration()
    {
        using var cli = await _bed.WithTemplateAsync("fast");
        Assert.Equal(0, (await cli.RunAsync("create", "quick", "--template", "fast", "--no-wait")).ExitCode);
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
        var before = cli.Events("workspace.state_transitioned").Count;

        // The daemon is already waiting: it claims and completes the stop the moment it is queued.
        var daemon = Task.Run(async () => await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []));
        var stop = await cli.RunAsync("stop", "quick");
        await daemon.WithTimeout();

        Assert.True(stop.ExitCode == 0, stop.Stderr);
        var events = cli.Events("workspace.state_transitioned").Skip(before).ToList();
        var seen = events.Select(e => $"{e.Properties["from"]}>{e.Properties["to"]}").ToList();
        Assert.Equal("none>running", seen[0]);
        // The stop is seen from its first state on: pending, or stopping when the server's watch read
        // the build only after the daemon had claimed it (a state the server itself skipped).
        Assert.Contains(seen[1], new[] { "running>pending", "running>stopping" });
        Assert.EndsWith(">stopped", seen[^1], StringComparison.Ordinal);
        Assert.All(events.Skip(1), e => Assert.Equal("stop", e.Properties["transition"]));
        var stopped = events[^1];
        Assert.True(stopped.Measurements.ContainsKey("observedBuildDurationMs"), string.Join(", ", seen));
        Assert.True(stopped.Measurements["observedBuildDurationMs"] >= 0);
        // Every "from" is the state this command last observed, whatever the server coalesced.
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Properties["to"], events[i].Properties["from"]);
        }
    }
}
