using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Telemetry;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

/// <summary>
/// The real CLI verbs against the real server, with the real provisioner daemons (in-process, as
/// <c>outpost server</c> hosts them, started per step once the command watches, so that it sees every
/// status) running the local-starter template on the local provisioner and real
/// <c>outpost agent</c> processes: create → running → ready, stop, start (across a forced watch
/// reconnect), update and delete, then the exact lifecycle events in the local telemetry files.
/// </summary>
public sealed class LifecycleEndToEndTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const double ToleranceMs = 25;

    private readonly WorkspaceTestBed _bed = new(server);
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-cli-e2e-").FullName;
    private readonly SocketsHttpHandler _socket = new();
    private DroppingWatchTransport? _transport;

    public void Dispose()
    {
        _socket.Dispose();
        Directory.Delete(_root, recursive: true);
        _bed.Dispose();
    }

    [Fact]
    public async Task Create_stop_start_update_and_delete_leave_the_exact_lifecycle_events()
    {
        using var cli = await _bed.SignedInAsync();
        _transport = new DroppingWatchTransport(_socket) { Shared = true };
        cli.WrapTransport = inner =>
        {
            inner.Dispose();
            return _transport;
        };
        foreach (var file in Directory.GetFiles(LocalWorkspacesFixture.LocalStarterDirectory))
        {
            File.Copy(file, Path.Join(_bed.Directory, Path.GetFileName(file)));
        }

        await using (Daemons())
        {
            Assert.Equal(0, (await cli.RunAsync("templates", "push", "local-starter", "--directory", _bed.Directory, "--yes")).ExitCode);
        }

        var create = await BuildAsync(cli, reconnect: false, "create", "dev", "--template", "local-starter", "--parameter", "greeting=hi");
        var agentLogs = await cli.RunAsync("logs", "dev", "--agents");
        var stop = await BuildAsync(cli, reconnect: false, "stop", "dev");
        var start = await BuildAsync(cli, reconnect: true, "start", "dev");
        await File.AppendAllTextAsync(Path.Join(_bed.Directory, "outpost.yaml"), "# v2\n").WithTimeout();
        await using (Daemons())
        {
            Assert.Equal(0, (await cli.RunAsync("templates", "push", "local-starter", "--directory", _bed.Directory, "--yes")).ExitCode);
        }

        var update = await BuildAsync(cli, reconnect: false, "update", "dev");
        var current = await cli.RunAsync("update", "dev");
        var delete = await BuildAsync(cli, reconnect: false, "delete", "dev", "--yes");

        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("owner/dev is ready", create.Stderr, StringComparison.Ordinal);
        Assert.Contains("owner/dev build #1 (start) succeeded", create.Stderr, StringComparison.Ordinal);
        Assert.Equal("dev #1 start running", create.Stdout.Trim());
        Assert.True(agentLogs.ExitCode == 0, agentLogs.Stderr);
        // The agent sends its script output on its own schedule, so how much has arrived at "ready" varies.
        Assert.All(agentLogs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(@"^\d\d:\d\d:\d\d \[[^\]]+\] ", line));
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Equal("dev #2 stop stopped", stop.Stdout.Trim());
        Assert.True(start.ExitCode == 0, start.Stderr);
        Assert.Contains("Lost the watch of owner/dev", start.Stderr, StringComparison.Ordinal);
        Assert.Contains("Reconnected to the watch of owner/dev", start.Stderr, StringComparison.Ordinal);
        Assert.True(update.ExitCode == 0, update.Stderr);
        Assert.Contains("Updating dev to local-starter v2", update.Stderr, StringComparison.Ordinal);
        Assert.Contains("already on the active version", current.Stderr, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Equal("dev #5 delete deleted", delete.Stdout.Trim());

        var states = cli.Events("workspace.state_transitioned");
        string[] expected =
        [
            "none>pending start", "pending>starting start", "starting>running start",
            "none>running start", "running>pending stop", "pending>stopping stop", "stopping>stopped stop",
            "none>stopped stop", "stopped>pending start", "pending>starting start", "starting>running start",
            "none>running start", "running>pending start", "pending>starting start", "starting>running start",
            "none>running start", "running>pending delete", "pending>deleting delete", "deleting>deleted delete",
        ];

        // A build request is answered with the build as it is once queued, and that can already be claimed (say
        // "starting") when the daemon is quick; the watch's earlier "pending" snapshot then arrives behind it and is
        // dropped, since a build never goes back. So a build may show x>starting without the pending between: each
        // "x>pending t", "pending>y t" pair of the expected list may be observed as "x>y t", and nothing else differs.
        var observed = states.Select(e => $"{e.Properties["from"]}>{e.Properties["to"]} {e.Properties["transition"]}").ToArray();
        Assert.Equal(WithoutPending(expected), WithoutPending(observed));
        Assert.All(observed.Where(o => !expected.Contains(o)), o => Assert.Contains(o, WithoutPending(expected)));
        Assert.All(states, e => Assert.Equal("owner/dev", e.Properties["workspaceName"]));
        Assert.All(states, e => Assert.Equal("cli", e.Properties["reason"]));
        AssertDurationsMatchTimestamps(states);

        var agents = cli.Events("workspace.agent.state_transitioned");
        // One observer per command that watched (create, stop, start, update, delete). Each first
        // records the agents as it finds them: none for create and start (the workspace had no
        // running build), the ready agent of the running build for stop, update and delete. A new
        // build forgets them, so create, start and update then follow the new agent from
        // none>connecting to connected/ready; the states in between depend on when the watch's
        // snapshots land, so only their order is fixed. Stop and delete build no agent.
        var observers = agents.GroupBy(e => e.Context.SessionId).Select(g => g.ToList()).ToList();
        Assert.Equal(5, observers.Count);
        const string Running = "none>connected none>ready main";
        Assert.Equal([Running], observers[1].Select(Transition));
        Assert.Equal([Running], observers[4].Select(Transition));
        Assert.Equal(Running, Transition(observers[3][0]));
        Assert.All(new[] { observers[0], observers[2], observers[3].Skip(1).ToList() }, seen =>
        {
            Assert.Equal("none>connecting none>created main", Transition(seen[0]));
            Assert.Equal("connected ready", $"{seen[^1].Properties["toStatus"]} {seen[^1].Properties["toLifecycleState"]}");
            for (var i = 1; i < seen.Count; i++)
            {
                Assert.Equal(seen[i - 1].Properties["toStatus"], seen[i].Properties["fromStatus"]);
                Assert.Equal(seen[i - 1].Properties["toLifecycleState"], seen[i].Properties["fromLifecycleState"]);
                var observed = seen[i].Measurements["observedDurationMs"];
                Assert.True(observed > 0);
                Assert.True(Math.Abs(observed - (seen[i].Timestamp - seen[i - 1].Timestamp).TotalMilliseconds) <= ToleranceMs, $"agent observed {observed} ms");
            }
        });

        var started = Assert.Single(cli.Events("workspace.start.triggered"));
        var updated = Assert.Single(cli.Events("workspace.update.triggered"));
        Assert.All([started, updated], e =>
        {
            Assert.Equal("owner/dev", e.Properties["workspaceName"]);
            Assert.Equal("success", e.Properties[TelemetryEvent.ResultProperty]);
            Assert.True(e.Measurements[TelemetryEvent.DurationMeasurement] > 0);
        });
    }

    /// <summary>
    /// Runs one build verb; daemons start only once the CLI is watching, so it sees every status of
    /// the build. With <paramref name="reconnect"/> the watch is cut (and re-established) first.
    /// </summary>
    private async Task<CliRun> BuildAsync(TestCli cli, bool reconnect, params string[] args)
    {
        // A command may open more than one watch (progress and the agents' readiness); what an earlier
        // command opened must not stand for this one's.
        while (_transport!.WatchesOpened.Wait(0))
        {
        }

        var run = cli.RunAsync(args);
        await _transport!.WatchesOpened.WaitAsync().WithTimeout();
        if (reconnect)
        {
            _transport.Drop();
            await _transport.WatchesOpened.WaitAsync().WithTimeout();
        }

        await using (Daemons())
        {
            return await run.WithTimeout();
        }
    }

    private ProvisionerDaemonHost Daemons() => ProvisionerDaemonHost.Start(
        1, server.BaseAddress, server.DaemonKey, Path.Join(_root, "workspaces"), NullLoggerFactory.Instance, TimeProvider.System,
        options => options with { AgentCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "outpost.dll"), "agent"], WaitSeconds = 1, HeartbeatInterval = TimeSpan.FromSeconds(1) });

    private static string Transition(TelemetryEvent e) =>
        $"{e.Properties["fromStatus"]}>{e.Properties["toStatus"]} {e.Properties["fromLifecycleState"]}>{e.Properties["toLifecycleState"]} {e.Properties["agentName"]}";

    /// <summary>Within one run, each observed duration is the time since the previous event, and a build's spans its first provisioning event.</summary>
    /// <summary>The transitions with every pending step merged into the next one (x>pending, pending>y become x>y).</summary>
    private static List<string> WithoutPending(IEnumerable<string> transitions)
    {
        var merged = new List<string>();
        string? from = null;
        foreach (var transition in transitions)
        {
            var (step, kind) = (transition[..transition.IndexOf(' ', StringComparison.Ordinal)], transition[(transition.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            var (source, target) = (step[..step.IndexOf('>', StringComparison.Ordinal)], step[(step.IndexOf('>', StringComparison.Ordinal) + 1)..]);
            if (target == "pending")
            {
                from = source;
                continue;
            }

            merged.Add(source == "pending" && from is not null ? $"{from}>{target} {kind}" : transition);
            from = null;
        }

        return merged;
    }

    private static void AssertDurationsMatchTimestamps(List<TelemetryEvent> states)
    {
        TelemetryEvent? previous = null;
        TelemetryEvent? buildStart = null;
        foreach (var e in states)
        {
            var first = e.Properties["from"] == "none";
            Assert.Equal(!first, e.Measurements.ContainsKey("observedDurationMs"));
            if (!first)
            {
                var observed = e.Measurements["observedDurationMs"];
                var between = (e.Timestamp - previous!.Timestamp).TotalMilliseconds;
                Assert.True(observed > 0, $"{e.Properties["to"]}: {observed}");
                Assert.True(Math.Abs(observed - between) <= ToleranceMs, string.Create(CultureInfo.InvariantCulture, $"{e.Properties["to"]}: observed {observed} ms, timestamps {between} ms apart"));
            }

            var provisioning = e.Properties["to"] is "pending" or "starting" or "stopping" or "deleting";
            buildStart = provisioning ? buildStart ?? e : buildStart;
            if (!provisioning)
            {
                Assert.Equal(buildStart is not null && !first, e.Measurements.ContainsKey("observedBuildDurationMs"));
                if (buildStart is not null && !first)
                {
                    var build = e.Measurements["observedBuildDurationMs"];
                    Assert.True(build > 0);
                    Assert.True(Math.Abs(build - (e.Timestamp - buildStart.Timestamp).TotalMilliseconds) <= ToleranceMs, $"build {build} ms");
                }

                buildStart = null;
            }

            previous = e;
        }
    }
}
