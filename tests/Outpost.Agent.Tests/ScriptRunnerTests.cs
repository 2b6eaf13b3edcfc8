using Outpost.Agent.Logs;
using Outpost.Agent.Scripts;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Agent.Tests;

/// <summary>Real <c>/bin/sh</c> processes, the real clock and the in-memory server.</summary>
public sealed class ScriptRunnerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-agent-tests-").FullName;
    private readonly FakeAgentTransport _transport = new();
    private readonly RecordingLogger _log = new();

    [Fact]
    public async Task A_script_that_exits_0_succeeds_and_its_output_reaches_the_server_in_order()
    {
        var (outcome, lines) = await RunAsync(TestManifests.Script("hello", "echo one; echo two >&2; sleep 0.1; echo three"));

        Assert.Equal(ScriptOutcomeKind.Succeeded, outcome.Kind);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(3, outcome.LineCount);
        Assert.Equal(["one", "three", "two"], lines.Select(l => l.Output).Order(StringComparer.Ordinal));
        Assert.All(lines, l => Assert.Equal("hello", l.Source));
        Assert.Equal("three", lines[^1].Output);
    }

    [Fact]
    public async Task A_script_that_exits_non_zero_fails_with_its_code_and_says_so_in_its_log()
    {
        var (outcome, lines) = await RunAsync(TestManifests.Script("broken", "echo about to fail; exit 3"));

        Assert.Equal(ScriptOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(3, outcome.ExitCode);
        Assert.Equal("the script exited with code 3", lines[^1].Output);
        Assert.Equal(Sdk.Provisioning.ProvisionerLogLevel.Error, lines[^1].Level);
        Assert.Single(_log.WithId(5013));
    }

    [Fact]
    public async Task A_script_leads_a_process_group_of_its_own_so_a_signal_to_the_agents_group_does_not_reach_it()
    {
        // Field 5 of /proc/PID/stat is the process group: the shell's own pid leads it. And the shell is the agent's own
        // child (setsid ran in place, no fork): a setsid that forked would stay in the agent's group, die of the signal
        // meant for the agent, and report the script as killed though the script itself ran on.
        var (outcome, lines) = await RunAsync(TestManifests.Script("grouped", "echo $$ $(cut -d' ' -f5 /proc/$$/stat) $PPID"));

        Assert.Equal(ScriptOutcomeKind.Succeeded, outcome.Kind);
        var fields = Assert.Single(lines).Output.Split(' ');
        Assert.Equal(fields[0], fields[1]);
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[1]);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[2]);
    }

    [Fact]
    public async Task A_shutdown_script_ignores_stop_signals_and_runs_to_its_end_while_a_startup_script_does_not()
    {
        // The script signals itself: a shutdown script carries on past the SIGTERM, a startup script dies of it.
        const string Script = "kill -TERM $$; kill -INT $$; kill -HUP $$; echo carried on";
        var (stop, stopLines) = await RunAsync(TestManifests.Script("shutdown", Script, onStart: false));
        var (start, _) = await RunAsync(TestManifests.Script("startup", Script));

        Assert.Equal(ScriptOutcomeKind.Succeeded, stop.Kind);
        Assert.Contains(stopLines, l => l.Output == "carried on");
        Assert.Equal((ScriptOutcomeKind.Failed, 143), (start.Kind, start.ExitCode));
    }

    [Fact]
    public async Task A_script_that_never_ends_times_out_and_its_whole_process_tree_is_killed()
    {
        var childPid = Path.Join(_directory, "child.pid");
        var script = $"sleep 300 & echo $! > {childPid}; echo started; wait";

        var (outcome, lines) = await RunAsync(TestManifests.Script("hang", script, timeoutSeconds: 1));

        Assert.Equal(ScriptOutcomeKind.TimedOut, outcome.Kind);
        Assert.Contains(lines, l => l.Output == "started");
        Assert.Equal("the script ran past its timeout of 1 s and was killed", lines[^1].Output);
        var pid = int.Parse((await File.ReadAllTextAsync(childPid)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsAlive(pid), $"the script's child {pid} survived the timeout");
        Assert.Single(_log.WithId(5014));
    }

    [Fact]
    public async Task Megabytes_of_output_through_a_slow_server_arrive_complete_in_order_with_bounded_buffering()
    {
        const int LineCount = 200_000;
        const int Capacity = 256;
        var sinkRef = new AgentLogSink[1];
        long worstBacklog = 0;
        _transport.LogsOutcome = async lines =>
        {
            // A slow server: each batch takes a moment, so the script outruns the upload.
            await Task.Delay(2);
            var backlog = sinkRef[0].Accepted - sinkRef[0].Sent;
            InterlockedMax(ref worstBacklog, backlog);
            return null;
        };

        await using var sink = new AgentLogSink(_transport, TimeProvider.System, _log, Capacity);
        sinkRef[0] = sink;
        var runner = new ScriptRunner(sink, TimeProvider.System, _log);
        var outcome = await runner.RunAsync(TestManifests.Script("flood", $"seq 1 {LineCount}"), Context(), CancellationToken.None).WithTimeout();
        await sink.FlushAsync(CancellationToken.None).WithTimeout();

        Assert.Equal(ScriptOutcomeKind.Succeeded, outcome.Kind);
        var received = _transport.Logs.Select(l => l.Output).ToList();
        Assert.Equal(LineCount, received.Count);
        Assert.True(received.Select(int.Parse).SequenceEqual(Enumerable.Range(1, LineCount)), "lines were lost or reordered");
        Assert.True(received.Sum(l => l.Length + 1) > 1_000_000, "the test must move megabytes");

        // Queue plus the batch in flight plus the two readers' lines in hand: never more.
        Assert.InRange(worstBacklog, 1, Capacity + AgentLogSink.MaxBatch + 2);
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_split_into_pieces_without_losing_a_character()
    {
        var (outcome, lines) = await RunAsync(TestManifests.Script("wide", "head -c 1000000 /dev/zero | tr '\\0' 'x'; echo; echo tail"));

        Assert.Equal(ScriptOutcomeKind.Succeeded, outcome.Kind);
        var pieces = lines.Where(l => l.Output.StartsWith('x')).ToList();
        Assert.Equal(1_000_000, pieces.Sum(p => p.Output.Length));
        Assert.All(pieces, p => Assert.True(p.Output.Length <= ScriptRunner.MaxLineChars));
        Assert.Equal("tail", lines[^1].Output);
    }

    [Fact]
    public async Task Scripts_run_in_the_working_directory_with_the_environment_they_are_given()
    {
        var context = Context(new Dictionary<string, string?> { ["GREETING"] = "hi there", ["OUTPOST_AGENT_TOKEN"] = null });
        Environment.SetEnvironmentVariable("OUTPOST_AGENT_TOKEN", "must-not-leak");
        try
        {
            var (outcome, lines) = await RunAsync(TestManifests.Script("env", "pwd; echo \"$GREETING\"; echo \"token=${OUTPOST_AGENT_TOKEN:-unset}\""), context);

            Assert.Equal(ScriptOutcomeKind.Succeeded, outcome.Kind);
            Assert.Equal([Path.GetFullPath(_directory), "hi there", "token=unset"], lines.Select(l => l.Output));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OUTPOST_AGENT_TOKEN", null);
        }
    }

    [Fact]
    public async Task A_missing_shell_is_reported_as_not_started()
    {
        await using var sink = new AgentLogSink(_transport, TimeProvider.System, _log);
        var runner = new ScriptRunner(sink, TimeProvider.System, _log) { Shell = Path.Join(_directory, "no-such-shell") };

        var outcome = await runner.RunAsync(TestManifests.Script("x", "true"), Context(), CancellationToken.None).WithTimeout();

        Assert.Equal(ScriptOutcomeKind.NotStarted, outcome.Kind);
        Assert.Single(_log.WithId(5015));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(ScriptOutcome Outcome, IReadOnlyList<AgentLogLine> Lines)> RunAsync(Sdk.Provisioning.AgentScript script, ScriptContext? context = null)
    {
        await using var sink = new AgentLogSink(_transport, TimeProvider.System, _log);
        var runner = new ScriptRunner(sink, TimeProvider.System, _log);
        var outcome = await runner.RunAsync(script, context ?? Context(), CancellationToken.None).WithTimeout();
        await sink.FlushAsync(CancellationToken.None).WithTimeout();
        return (outcome, _transport.Logs);
    }

    private ScriptContext Context(Dictionary<string, string?>? environment = null) =>
        new() { WorkingDirectory = _directory, Environment = environment ?? [] };

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
