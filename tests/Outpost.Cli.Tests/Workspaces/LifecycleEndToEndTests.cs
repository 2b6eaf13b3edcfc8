using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Telemetry;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

/// <summary>
/// The real CLI verbs against the real server with real in-process provisioner daemons running the
/// starter template on the local provisioner: create, stop, start (across a forced watch reconnect),
/// update and delete, then the exact lifecycle events in the local telemetry files.
/// </summary>
/// <remarks>
/// A shell script stands in for <c>outpost agent</c> until the agent and the server's agent API are
/// on main: the agent never connects, so create, start and update are interrupted (Ctrl-C) once they
/// have read the agent and are waiting for it; the build part of every step is real. With the real
/// agent those steps end <c>ready</c> and the agent events go on to connected/ready.
/// </remarks>
public sealed class LifecycleEndToEndTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string StandInAgent = """
        trap 'exit 0' TERM
        while true; do sleep 1 & wait $!; done
        """;

    private const double ToleranceMs = 25;

    private readonly WorkspaceTestBed _bed = new(server);
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-cli-e2e-").FullName;
    private readonly SocketsHttpHandler _socket = new();
    private readonly SemaphoreSlim _agentReads = new(0);
    private DroppingWatchTransport? _transport;

    public void Dispose()
    {
        _socket.Dispose();
        _agentReads.Dispose();
        Directory.Delete(_root, recursive: true);
        _bed.Dispose();
    }

    [Fact]
    public async Task Create_stop_start_update_and_delete_leave_the_exact_lifecycle_events()
    {
        var script = Path.Join(_root, "agent.sh");
        await File.WriteAllTextAsync(script, StandInAgent).WithTimeout();
        using var cli = await _bed.SignedInAsync();
        _transport = new DroppingWatchTransport(new CountingTransport(_socket, "/agents", _agentReads)) { Shared = true };
        cli.WrapTransport = inner =>
        {
            inner.Dispose();
            return _transport;
        };
        Assert.Equal(0, (await cli.RunAsync("templates", "init", _bed.Directory)).ExitCode);
        await using (Daemons(script))
        {
            Assert.Equal(0, (await cli.RunAsync("templates", "push", "e2e-starter", "--directory", _bed.Directory, "--yes")).ExitCode);
        }

        var create = await BuildAsync(cli, script, agents: true, reconnect: false, "create", "dev", "--template", "e2e-starter", "--parameter", "greeting=hi");
        var stop = await BuildAsync(cli, script, agents: false, reconnect: false, "stop", "dev");
        var start = await BuildAsync(cli, script, agents: true, reconnect: true, "start", "dev");
        await File.AppendAllTextAsync(Path.Join(_bed.Directory, "outpost.yaml"), "# v2\n").WithTimeout();
        await using (Daemons(script))
        {
            Assert.Equal(0, (await cli.RunAsync("templates", "push", "e2e-starter", "--directory", _bed.Directory, "--yes")).ExitCode);
        }

        var update = await BuildAsync(cli, script, agents: true, reconnect: false, "update", "dev");
        var current = await cli.RunAsync("update", "dev");
        var delete = await BuildAsync(cli, script, agents: false, reconnect: false, "delete", "dev", "--yes");

        Assert.Equal(ExitCodes.Interrupted, create.ExitCode);
        Assert.Contains("owner/dev build #1 (start) succeeded", create.Stderr, StringComparison.Ordinal);
        Assert.Equal("dev #1 start running", create.Stdout.Trim());
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Equal("dev #2 stop stopped", stop.Stdout.Trim());
        Assert.Equal(ExitCodes.Interrupted, start.ExitCode);
        Assert.Contains("Lost the watch of owner/dev", start.Stderr, StringComparison.Ordinal);
        Assert.Contains("Reconnected to the watch of owner/dev", start.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Interrupted, update.ExitCode);
        Assert.Contains("Updating dev to e2e-starter v2", update.Stderr, StringComparison.Ordinal);
        Assert.Contains("already on the active version", current.Stderr, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Equal("dev #5 delete deleted", delete.Stdout.Trim());

        var states = cli.Events("workspace.state_transitioned");
        Assert.Equal(
        [
            "none>pending start", "pending>starting start", "starting>running start",
            "none>running start", "running>pending stop", "pending>stopping stop", "stopping>stopped stop",
            "none>stopped stop", "stopped>pending start", "pending>starting start", "starting>running start",
            "none>running start", "running>pending start", "pending>starting start", "starting>running start",
            "none>running start", "running>pending delete", "pending>deleting delete", "deleting>deleted delete",
        ], states.Select(e => $"{e.Properties["from"]}>{e.Properties["to"]} {e.Properties["transition"]}"));
        Assert.All(states, e => Assert.Equal("owner/dev", e.Properties["workspaceName"]));
        Assert.All(states, e => Assert.Equal("cli", e.Properties["reason"]));
        AssertDurationsMatchTimestamps(states);

        var agents = cli.Events("workspace.agent.state_transitioned");
        Assert.Equal(3, agents.Count);
        Assert.All(agents, e => Assert.Equal("none>connecting none>created main", $"{e.Properties["fromStatus"]}>{e.Properties["toStatus"]} {e.Properties["fromLifecycleState"]}>{e.Properties["toLifecycleState"]} {e.Properties["agentName"]}"));
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
    private async Task<CliRun> BuildAsync(TestCli cli, string script, bool agents, bool reconnect, params string[] args)
    {
        using var ctrlC = new CancellationTokenSource();
        cli.Interrupt = ctrlC.Token;
        var run = cli.RunAsync(args);
        await _transport!.WatchesOpened.WaitAsync().WithTimeout();
        if (reconnect)
        {
            _transport.Drop();
            await _transport.WatchesOpened.WaitAsync().WithTimeout();
        }

        await using (Daemons(script))
        {
            if (agents)
            {
                // The second read of the agents means the first one has been recorded.
                await _agentReads.WaitAsync().WithTimeout();
                await _agentReads.WaitAsync().WithTimeout();
                await ctrlC.CancelAsync();
            }

            var result = await run.WithTimeout();
            cli.Interrupt = CancellationToken.None;
            return result;
        }
    }

    private ProvisionerDaemonHost Daemons(string script) => ProvisionerDaemonHost.Start(
        1, server.BaseAddress, server.DaemonKey, Path.Join(_root, "workspaces"), NullLoggerFactory.Instance, TimeProvider.System,
        options => options with { AgentCommand = ["/bin/sh", script], WaitSeconds = 1 });

    /// <summary>Within one run, each observed duration is the time since the previous event, and a build's spans its first provisioning event.</summary>
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

    /// <summary>Releases <c>sent</c> as each request to a path ending in <c>suffix</c> goes out.</summary>
    private sealed class CountingTransport(HttpMessageHandler inner, string suffix, SemaphoreSlim sent) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.EndsWith(suffix, StringComparison.Ordinal) == true)
            {
                sent.Release();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
