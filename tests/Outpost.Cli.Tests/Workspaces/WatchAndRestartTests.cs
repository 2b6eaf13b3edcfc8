using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class WatchAndRestartTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly WorkspaceTestBed _bed = new(server);
    private readonly SocketsHttpHandler _socket = new();

    public void Dispose()
    {
        _socket.Dispose();
        _bed.Dispose();
    }

    private async Task<TestCli> RunningAsync(string template, string name)
    {
        var cli = await _bed.WithTemplateAsync(template);
        Assert.Equal(0, (await cli.RunAsync("create", name, "--template", template, "--no-wait")).ExitCode);
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
        return cli;
    }

    [Fact]
    public async Task Watch_prints_one_json_object_per_change_and_ends_when_the_workspace_is_deleted()
    {
        using var cli = await RunningAsync("watch-json", "watched");
        var transport = new DroppingWatchTransport(_socket) { Shared = true };
        cli.WrapTransport = inner =>
        {
            inner.Dispose();
            return transport;
        };

        var before = cli.Events("workspace.state_transitioned").Count;
        var watch = cli.RunAsync("watch", "watched", "--output", "json");
        await transport.WatchesOpened.WaitAsync().WithTimeout();
        Assert.Equal(0, (await cli.RunAsync("delete", "watched", "--yes", "--no-wait")).ExitCode);
        var job = await _bed.Daemon.TryAcquireAsync(30);
        await _bed.Daemon.UpdateAsync(job!.JobId, "removing");
        await _bed.Daemon.CompleteBuildAsync(job, []);
        var run = await watch.WithTimeout();

        Assert.Equal(0, run.ExitCode);
        var statuses = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize(line, OutpostJsonContext.Default.Workspace)!.Status).ToList();
        Assert.Equal(WorkspaceStatus.Running, statuses[0]);
        Assert.Equal(WorkspaceStatus.Deleted, statuses[^1]);
        Assert.Equal(statuses.Count, statuses.Distinct().Count());
        // The delete command records its own first observation; the watch is the session that saw "deleted".
        var events = cli.Events("workspace.state_transitioned").Skip(before).ToList();
        var session = events.Single(e => e.Properties["to"] == "deleted").Context.SessionId;
        Assert.Equal(statuses.Select(WireName.Of), events.Where(e => e.Context.SessionId == session).Select(e => e.Properties["to"]));
    }

    [Fact]
    public async Task Restart_follows_the_stop_then_starts_inside_a_start_span()
    {
        using var cli = await RunningAsync("restart", "restarted");
        var before = cli.Events("workspace.state_transitioned").Count;

        var restart = cli.RunAsync("restart", "restarted");
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
        var start = await _bed.Daemon.TryAcquireAsync(30);
        await _bed.Daemon.CompleteBuildAsync(start!, []);
        var run = await restart.WithTimeout();

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(["restarted #2 stop stopped", "restarted #3 start running"], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var span = Assert.Single(cli.Events("workspace.start.triggered"));
        Assert.Equal("owner/restarted", span.Properties["workspaceName"]);
        // The test daemon claims each job at once, so whether pending is seen is a race; the order is not.
        var seen = cli.Events("workspace.state_transitioned").Skip(before).Select(e => e.Properties["to"]).ToList();
        Assert.Equal("running", seen[0]);
        Assert.Equal("running", seen[^1]);
        Assert.True(seen.IndexOf("stopped") > seen.IndexOf("stopping"), string.Join(",", seen));
        Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public async Task Starting_a_running_workspace_queues_nothing()
    {
        using var cli = await RunningAsync("already", "already");

        var start = await cli.RunAsync("start", "already");
        var show = await cli.RunAsync("show", "already");

        Assert.Equal(0, start.ExitCode);
        Assert.Contains("already is already running; nothing to do.", start.Stderr, StringComparison.Ordinal);
        Assert.Contains("Last build: #1 start", show.Stdout, StringComparison.Ordinal);
        Assert.Empty(cli.Events("workspace.start.triggered"));
    }
}
