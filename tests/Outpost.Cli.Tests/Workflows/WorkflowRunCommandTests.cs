using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Outpost.Cli.Invocations;
using Outpost.Testing;
using Outpost.Workflows.Records;

namespace Outpost.Cli.Tests.Workflows;

/// <summary>
/// <c>outpost workflow run|list|history|show-run</c> with local shell commands (no server): the run
/// record and log on disk as the run goes, the per-method telemetry, and Ctrl-C and <c>--timeout</c>.
/// </summary>
public sealed class WorkflowRunCommandTests : IDisposable
{
    private const string WorkflowId = "7c1e0b8a-3f2d-4e5c-9a1b-2c3d4e5f6a70";

    private readonly string _repository = Directory.CreateTempSubdirectory("outpost-workflow-run-").FullName;

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    private void Write(string yaml, string name = "checks.yaml")
    {
        Directory.CreateDirectory(Path.Join(_repository, "workflows"));
        File.WriteAllText(Path.Join(_repository, "workflows", name), yaml);
    }

    private static string Shell(string script) => $$"""{ type: model_method, modelIdOrName: command/shell, methodName: run, inputs: { command: sh, args: ["-c", "{{script}}"] } }""";

    private string RunDirectory => Path.Join(_repository, ".outpost", "workflow-runs", WorkflowId);

    [Fact]
    public async Task A_run_records_each_step_with_outputs_and_writes_one_child_invocation_per_method_linked_to_the_parent()
    {
        Write($$$"""
            id: {{{WorkflowId}}}
            name: checks
            inputs:
              properties:
                envs: { type: array, default: [a, b] }
                word: { type: string }
            jobs:
              - name: "main:1"
                steps:
                  - name: "ok:step"
                    task: {{{Shell("echo ${{ inputs.word }}; echo warn >&2")}}}
                  - name: fail-step
                    allowFailure: true
                    task: {{{Shell("exit 3")}}}
                  - name: fanout-${{ self.env }}
                    forEach: { item: env, in: "${{ inputs.envs }}" }
                    dataOutputOverrides: [{ specName: result, vary: [word] }]
                    task: { type: model_method, modelIdOrName: command/shell, methodName: run, inputs: { command: echo, args: ["${{ self.env }}"] } }
                  - name: unknown
                    allowFailure: true
                    task: { type: model_method, modelIdOrName: acme/thing, methodName: go }
                  - name: echo-back
                    dependsOn: [{ step: "ok:step", condition: succeeded }]
                    task: { type: model_method, modelIdOrName: command/shell, methodName: run, inputs: { command: echo, args: ["got ${{ steps['ok:step'].outputs.stdout }}"] } }
            """);
        using var cli = new TestCli();

        var run = await cli.RunAsync("workflow", "run", "checks", "--dir", _repository, "--input", "word=42", "--output", "json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("[main:1] fail-step: failed", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("checks succeeded", run.Stderr, StringComparison.Ordinal);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        var runId = json.GetProperty("id").GetString()!;
        Assert.Equal("succeeded", json.GetProperty("status").GetString());
        var steps = json.GetProperty("jobs")[0].GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["ok:step", "fail-step", "fanout-a", "fanout-b", "unknown", "echo-back"], steps.Keys);
        Assert.Equal(("42", "warn", 0), (steps["ok:step"].GetProperty("outputs").GetProperty("stdout").GetString(), steps["ok:step"].GetProperty("outputs").GetProperty("stderr").GetString(),
            steps["ok:step"].GetProperty("outputs").GetProperty("exitCode").GetInt32()));
        Assert.Equal("got 42", steps["echo-back"].GetProperty("outputs").GetProperty("stdout").GetString());
        Assert.Equal(("failed", true, 3), (steps["fail-step"].GetProperty("status").GetString(), steps["fail-step"].GetProperty("allowedFailure").GetBoolean(),
            steps["fail-step"].GetProperty("outputs").GetProperty("exitCode").GetInt32()));
        Assert.Equal("result-42", steps["fanout-a"].GetProperty("dataNames")[0].GetString());
        Assert.StartsWith("Model not found: acme/thing. Known models: outpost/workspace, outpost/template, command/shell, outpost/workspace-exec", steps["unknown"].GetProperty("error").GetString(), StringComparison.Ordinal);

        // The record and the log on disk: 0700 directories, 0600 files; the record read back is the one printed.
        var record = Path.Join(RunDirectory, $"workflow-run-{runId}.yaml");
        Assert.Equal(RunRecordStore.FileMode, File.GetUnixFileMode(record));
        Assert.Equal(RunRecordStore.FileMode, File.GetUnixFileMode(Path.ChangeExtension(record, ".log")));
        foreach (var directory in new[] { Path.Join(_repository, ".outpost"), Path.Join(_repository, ".outpost", "workflow-runs"), RunDirectory })
        {
            Assert.Equal(RunRecordStore.DirectoryMode, File.GetUnixFileMode(directory));
        }

        Assert.Single(Directory.GetFiles(RunDirectory, "*.yaml"));
        var log = await File.ReadAllTextAsync(Path.ChangeExtension(record, ".log"));
        Assert.Contains("[main:1/ok:step] [stdout] 42", log, StringComparison.Ordinal);
        Assert.Contains("[main:1/ok:step] [stderr] warn", log, StringComparison.Ordinal);
        var shown = await cli.RunAsync("workflow", "show-run", runId, "--dir", _repository, "--output", "json");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        Assert.Equal(JsonSerializer.Serialize(json), JsonSerializer.Serialize(JsonDocument.Parse(shown.Stdout).RootElement));

        // Telemetry: the parent, and one child per method (the unknown model's with no duration), all linked, named by (job, step) with colons intact.
        var entries = cli.Events(InvocationRecorder.EventName);
        var parent = Assert.Single(entries, e => e.Properties["command"] == "workflow" && e.Properties.GetValueOrDefault("subcommand") == "run");
        Assert.Equal("success", parent.Properties["status"]);
        var children = entries.Where(e => e.Properties.ContainsKey("parentInvocationId")).ToList();
        Assert.Equal(6, children.Count);
        Assert.All(children, child => Assert.Equal(parent.Properties["invocationId"], child.Properties["parentInvocationId"]));
        Assert.All(children, child => Assert.Equal((runId, "checks", WorkflowId, "main:1"),
            (child.Properties["workflowContext.runId"], child.Properties["workflowContext.workflowName"], child.Properties["workflowContext.workflowId"], child.Properties["workflowContext.jobName"])));
        var byStep = children.ToDictionary(child => child.Properties["workflowContext.stepName"]);
        Assert.Equal(["echo-back", "fail-step", "fanout-a", "fanout-b", "ok:step", "unknown"], byStep.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("success", "error", "error"), (byStep["ok:step"].Properties["status"], byStep["fail-step"].Properties["status"], byStep["unknown"].Properties["status"]));
        Assert.Equal(("command/shell", "local"), (byStep["ok:step"].Properties["workflowContext.modelType"], byStep["ok:step"].Properties["workflowContext.driver"]));
        Assert.Equal(["run", CommandInfo.Redacted, "run"], JsonSerializer.Deserialize<string[]>(byStep["ok:step"].Properties["args"])!);
        Assert.Equal(0, byStep["unknown"].Measurements["durationMs"]);
        Assert.False(byStep["unknown"].Properties.ContainsKey("workflowContext.modelType"));
        Assert.Equal(["run", CommandInfo.Redacted, CommandInfo.Redacted], JsonSerializer.Deserialize<string[]>(byStep["unknown"].Properties["args"])!);
        Assert.True(byStep["fail-step"].Measurements["durationMs"] > 0);
        var files = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.DoesNotContain("warn", files, StringComparison.Ordinal);

        // list and history read the records back.
        var list = await cli.RunAsync("workflow", "list", "--dir", _repository, "--output", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var listed = Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray());
        Assert.Equal((runId, "succeeded"), (listed.GetProperty("lastRun").GetProperty("id").GetString(), listed.GetProperty("lastRun").GetProperty("status").GetString()));
        var history = await cli.RunAsync("workflow", "history", "checks", "--dir", _repository);
        Assert.True(history.ExitCode == 0, history.Stderr);
        Assert.Contains(runId, history.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_terminal_running_methods_sit_in_a_live_block_and_each_outcome_stays_above_it()
    {
        Write($$$"""
            id: {{{WorkflowId}}}
            name: checks
            jobs:
              - name: main
                steps:
                  - name: first
                    task: {{{Shell("echo one")}}}
                  - name: second
                    allowFailure: true
                    dependsOn: [{ step: first, condition: succeeded }]
                    task: {{{Shell("exit 3")}}}
            """);
        using var cli = new TestCli { ErrorIsTerminal = true };
        cli.Environment["NO_COLOR"] = "1";

        var run = await cli.RunAsync("workflow", "run", "checks", "--dir", _repository);

        Assert.True(run.ExitCode == 0, run.Stderr);
        // While a method ran, the block named it with its model, method, driver and elapsed time under the run's counts.
        Assert.Matches(@"  ▸ \[main\] first: command/shell run \(local\) · \d+\.\ds\n", run.Stderr);
        Assert.Matches(@"checks · 1 running · 1 succeeded · 0 failed · \d+\.\ds\n  ▸ \[main\] second: ", run.Stderr);

        // What stays on the screen once every redraw is applied: the outcomes in order, no block left behind.
        Assert.Collection(Screen(run.Stderr),
            line => Assert.StartsWith("Running checks (run ", line, StringComparison.Ordinal),
            line => Assert.StartsWith("[main] first: succeeded in ", line, StringComparison.Ordinal),
            line => Assert.StartsWith("[main] second: failed in ", line, StringComparison.Ordinal),
            line => Assert.Equal("[main] succeeded", line),
            line => Assert.StartsWith("checks succeeded in ", line, StringComparison.Ordinal));
    }

    /// <summary>The lines a terminal shows after the output's cursor-up-and-clear sequences (ESC [ n F, ESC [ J) are applied.</summary>
    private static List<string> Screen(string output)
    {
        var screen = new List<string>();
        foreach (var part in Regex.Split(output, "(\u001b\\[\\d+F\u001b\\[J)"))
        {
            var up = Regex.Match(part, "^\u001b\\[(\\d+)F\u001b\\[J$");
            if (up.Success)
            {
                var lines = int.Parse(up.Groups[1].Value, CultureInfo.InvariantCulture);
                screen.RemoveRange(screen.Count - lines, lines);
                continue;
            }

            screen.AddRange(part.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        return screen;
    }

    [Fact]
    public async Task Ctrl_C_cancels_the_running_steps_records_them_cancelled_and_drains_their_telemetry()
    {
        Write($$$"""
            id: {{{WorkflowId}}}
            name: sleeper
            jobs:
              - name: main
                steps:
                  - name: quick
                    task: {{{Shell("echo quick")}}}
                  - name: long
                    dependsOn: [{ step: quick }]
                    task: {{{Shell("echo started; sleep 300")}}}
                  - name: never
                    dependsOn: [{ step: long }]
                    task: {{{Shell("echo never")}}}
            """);
        using var cli = new TestCli();
        using var interrupt = new CancellationTokenSource();
        cli.Interrupt = interrupt.Token;

        var running = cli.RunAsync("workflow", "run", "sleeper", "--dir", _repository);
        await WaitForLogAsync("[main/long] [stdout] started", running);
        // The record is on disk while the run goes: quick done, long running, never pending.
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (RunRecordStore.Read(Directory.GetFiles(RunDirectory, "*.yaml").Single()) is not { } live
            || !RunRecord.Children(RunRecord.Children(live, "jobs")[0], "steps").Select(step => RunRecord.Text(step, "status")).SequenceEqual(["succeeded", "running", "pending"]))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the record never showed the running step");
            await Task.Delay(20);
        }

        await interrupt.CancelAsync();
        var run = await running;

        Assert.True(run.ExitCode == ExitCodes.Interrupted, run.Stderr);
        Assert.Contains("[main] long: cancelled", run.Stderr, StringComparison.Ordinal);
        var record = RunRecordStore.Read(Assert.Single(Directory.GetFiles(RunDirectory, "*.yaml")))!;
        Assert.Equal(("cancelled", "interrupted"), (RunRecord.Text(record, "status"), RunRecord.Text(record, "reason")));
        var steps = RunRecord.Children(RunRecord.Children(record, "jobs")[0], "steps");
        Assert.Equal(["succeeded", "cancelled", "pending"], steps.Select(step => RunRecord.Text(step, "status")));

        var entries = cli.Events(InvocationRecorder.EventName);
        var parent = Assert.Single(entries, e => e.Properties["command"] == "workflow");
        Assert.Equal(("error", "WorkflowRunException", "workflow run interrupted"), (parent.Properties["status"], parent.Properties["errorType"], parent.Properties["errorMessage"]));
        var drained = Assert.Single(entries, e => e.Properties.GetValueOrDefault("workflowContext.stepName") == "long");
        Assert.Equal(("error", "workflow run interrupted"), (drained.Properties["status"], drained.Properties["errorMessage"]));
        Assert.True(drained.Measurements["durationMs"] > 0);
        Assert.Equal(2, entries.Count(e => e.Properties.ContainsKey("parentInvocationId")));
    }

    [Fact]
    public async Task An_interrupt_kills_what_a_step_started_even_a_process_that_left_its_tree()
    {
        // The subshell's sleep is orphaned at once (no longer a descendant) but keeps the output pipes: the tree kill
        // alone left it running and the run waited for it; the kill of the step's process group reaches it.
        var pidFile = Path.Join(_repository, "orphan.pid");
        Write($$$"""
            id: {{{WorkflowId}}}
            name: orphans
            jobs:
              - name: main
                steps:
                  - name: long
                    task: {{{Shell($"(sleep 300 & echo $! > {pidFile}); echo started; sleep 300")}}}
            """);
        using var cli = new TestCli();
        using var interrupt = new CancellationTokenSource();
        cli.Interrupt = interrupt.Token;

        var running = cli.RunAsync("workflow", "run", "orphans", "--dir", _repository);
        await WaitForLogAsync("[main/long] [stdout] started", running);
        await interrupt.CancelAsync();
        var run = await running.WithTimeout(TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == ExitCodes.Interrupted, run.Stderr);
        var orphan = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (Directory.Exists($"/proc/{orphan}") && File.ReadAllText($"/proc/{orphan}/stat").Split(' ')[2] != "Z")
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the orphaned sleep {orphan} outlived the run");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task SIGINT_to_a_real_outpost_process_cancels_the_run_cleanly()
    {
        Write($$$"""
            id: {{{WorkflowId}}}
            name: sleeper
            jobs:
              - name: main
                steps: [{ name: long, task: {{{Shell("sleep 300")}}} }]
            """);
        using var cli = new TestCli();

        await using var process = OutpostProcess.Start(["workflow", "run", "sleeper", "--dir", _repository], cli.Environment);
        await process.WaitForLineAsync(line => line.Contains("[main] long: command/shell run (local)", StringComparison.Ordinal));
        process.Signal(PosixSignalKind.Interrupt);

        Assert.Equal(ExitCodes.Interrupted, await process.WaitForExitAsync());
        Assert.Contains("sleeper cancelled (interrupted)", process.StandardError, StringComparison.Ordinal);
        var record = RunRecordStore.Read(Assert.Single(Directory.GetFiles(RunDirectory, "*.yaml")))!;
        Assert.Equal(("cancelled", "cancelled"), (RunRecord.Text(record, "status"), RunRecord.Text(RunRecord.Children(RunRecord.Children(record, "jobs")[0], "steps")[0], "status")));
    }

    [Fact]
    public async Task A_timeout_cancels_the_run_and_a_shell_timeout_fails_only_its_step()
    {
        Write($$$"""
            id: {{{WorkflowId}}}
            name: slow
            jobs:
              - name: main
                steps:
                  - name: bounded
                    allowFailure: true
                    task: { type: model_method, modelIdOrName: command/shell, methodName: run, inputs: { command: sleep, args: ["300"], timeout: 1s } }
                  - name: long
                    dependsOn: [{ step: bounded }]
                    task: {{{Shell("sleep 300")}}}
            """);
        using var cli = new TestCli();

        var run = await cli.RunAsync("workflow", "run", "slow", "--dir", _repository, "--timeout", "3s", "--output", "json");

        Assert.True(run.ExitCode == ExitCodes.Failure, run.Stderr);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(("cancelled", "timed out after 3s"), (json.GetProperty("status").GetString(), json.GetProperty("reason").GetString()));
        var steps = json.GetProperty("jobs")[0].GetProperty("steps");
        Assert.Equal(("failed", "cancelled"), (steps[0].GetProperty("status").GetString(), steps[1].GetProperty("status").GetString()));
        Assert.Contains("timed out after 00:00:01", steps[0].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_inputs_and_unknown_workflows_are_refused_before_anything_runs()
    {
        Write($$$"""
            id: {{{WorkflowId}}}
            name: typed
            inputs:
              properties:
                count: { type: integer }
              required: [count]
            jobs: [{ name: main, steps: [{ name: s, task: {{{Shell("true")}}} }] }]
            """);
        using var cli = new TestCli();

        var missing = await cli.RunAsync("workflow", "run", "typed", "--dir", _repository);
        var wrong = await cli.RunAsync("workflow", "run", "typed", "--dir", _repository, "--input", "count=many");
        var unknown = await cli.RunAsync("workflow", "run", "nope", "--dir", _repository);
        var badDriver = await cli.RunAsync("workflow", "run", "typed", "--dir", _repository, "--input", "count=1", "--driver", "cloud");

        Assert.Equal((ExitCodes.Usage, ExitCodes.Usage, ExitCodes.NotFound, ExitCodes.Usage), (missing.ExitCode, wrong.ExitCode, unknown.ExitCode, badDriver.ExitCode));
        Assert.Contains("input \"count\" is required", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("input \"count\" must be of type integer, not string", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("no workflow \"nope\"", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("known: typed", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("unknown driver \"cloud\"", badDriver.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Join(_repository, ".outpost")));
    }

    /// <summary>Waits until the run's log holds <paramref name="line"/>: the step is running then (the log is written as it goes).</summary>
    private async Task WaitForLogAsync(string line, Task<CliRun> running)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (!(Directory.Exists(RunDirectory) && Directory.GetFiles(RunDirectory, "*.log").Any(log => File.ReadAllText(log).Contains(line, StringComparison.Ordinal))))
        {
            Assert.False(running.IsCompleted, running.IsCompleted ? (await running).Stderr : null);
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the log never showed {line}");
            await Task.Delay(20);
        }
    }
}
