using System.Text.Json;
using Outpost.Cli.Invocations;
using Outpost.Testing;
using Outpost.Workflows.Records;

namespace Outpost.Cli.Tests.Workflows;

/// <summary>
/// Issue 21 end to end: the example fleet workflow run by <c>outpost workflow run</c> against the real
/// server with local workspaces whose agents are real <c>outpost agent</c> processes: three workspaces
/// created, a command run in each through the relay, all three deleted by the nested teardown; then
/// the run records on disk and the telemetry: one parent and one child per method, all linked.
/// </summary>
public sealed class WorkflowEndToEndTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>, IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("outpost-workflow-e2e-").FullName;

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    /// <summary>The repository's <c>examples/workflows</c>, next to the templates the fixture finds.</summary>
    internal static string Examples() => Path.GetFullPath(Path.Join(LocalWorkspacesFixture.LocalStarterDirectory, "..", "..", "workflows"));

    [Fact]
    public async Task The_fleet_example_creates_checks_and_deletes_three_workspaces_with_one_child_invocation_per_method()
    {
        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(8) };
        cli.Environment[Outpost.Cli.Connect.AgentConnector.DisableDirectVariable] = "1";
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var inputs = Path.Join(_repository, "inputs.yaml");
        await File.WriteAllTextAsync(inputs, """
            attendees: [ana, ben, cy]
            template: local-starter
            command: sh
            args: ["-c", "echo checked; echo note >&2"]
            """);

        var run = await cli.RunAsync("workflow", "run", Path.Join(Examples(), "fleet.yaml"), "--input-file", inputs, "--dir", _repository, "--output", "json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var record = JsonDocument.Parse(run.Stdout).RootElement;
        var runId = record.GetProperty("id").GetString()!;
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        var jobs = record.GetProperty("jobs").EnumerateArray().ToDictionary(job => job.GetProperty("name").GetString()!, job => job.GetProperty("steps").EnumerateArray().ToList());
        Assert.Equal(["create-ana", "create-ben", "create-cy"], jobs["create"].Select(step => step.GetProperty("name").GetString()));
        Assert.All(jobs["create"], step => Assert.Equal(("succeeded", "running"), (step.GetProperty("status").GetString(), step.GetProperty("outputs").GetProperty("status").GetString())));
        Assert.All(jobs["check"], step => Assert.Equal(("succeeded", "checked", "note", 0),
            (step.GetProperty("status").GetString(), step.GetProperty("outputs").GetProperty("stdout").GetString(), step.GetProperty("outputs").GetProperty("stderr").GetString(),
                step.GetProperty("outputs").GetProperty("exitCode").GetInt32())));
        var teardown = Assert.Single(jobs["teardown"]);
        Assert.Equal("succeeded", teardown.GetProperty("status").GetString());
        var nestedRunId = teardown.GetProperty("nestedRunId").GetString()!;

        // Both runs are on disk (0600 in 0700 directories); the nested one names its three deletes.
        var store = new RunRecordStore(_repository);
        var (outer, outerLog) = store.Find(Guid.Parse(runId))!.Value;
        Assert.Equal("succeeded", RunRecord.Text(outer, "status"));
        Assert.Equal(RunRecordStore.FileMode, File.GetUnixFileMode(outerLog));
        Assert.Contains("[check/check-ben] [stdout] checked", await File.ReadAllTextAsync(outerLog), StringComparison.Ordinal);
        var (nested, nestedLog) = store.Find(Guid.Parse(nestedRunId))!.Value;
        Assert.Equal(("fleet-teardown", "succeeded"), (RunRecord.Text(nested, "workflowName"), RunRecord.Text(nested, "status")));
        Assert.Equal(["succeeded", "succeeded", "succeeded"], RunRecord.Children(RunRecord.Children(nested, "jobs")[0], "steps").Select(step => RunRecord.Text(step, "status")));
        Assert.Equal(RunRecordStore.FileMode, File.GetUnixFileMode(Path.ChangeExtension(nestedLog, ".yaml")));
        Assert.All(Directory.GetDirectories(store.Root), directory => Assert.Equal(RunRecordStore.DirectoryMode, File.GetUnixFileMode(directory)));

        // The workspaces are gone.
        var list = await cli.RunAsync("list", "--output", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.DoesNotContain("training-", list.Stdout, StringComparison.Ordinal);

        // Telemetry: the run's entry and nine children (3 create, 3 ssh, 3 delete), each naming it; the deletes carry the nested run's context.
        var entries = cli.Events(InvocationRecorder.EventName);
        var parent = Assert.Single(entries, e => e.Properties["command"] == "workflow" && e.Properties.GetValueOrDefault("subcommand") == "run");
        Assert.Equal("success", parent.Properties["status"]);
        var children = entries.Where(e => e.Properties.GetValueOrDefault("parentInvocationId") == parent.Properties["invocationId"]).ToList();
        Assert.Equal(9, children.Count);
        Assert.Equal(9, entries.Count(e => e.Properties.ContainsKey("parentInvocationId")));
        Assert.Equal(["create", "create", "create", "delete", "delete", "delete", "ssh", "ssh", "ssh"], children.Select(c => c.Properties["command"]).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.Equal(("success", "0", "local"), (c.Properties["status"], c.Properties["exitCode"], c.Properties["workflowContext.driver"])));
        Assert.All(children, c => Assert.All(JsonSerializer.Deserialize<string[]>(c.Properties["args"])!, arg => Assert.Equal(CommandInfo.Redacted, arg)));
        Assert.All(children.Where(c => c.Properties["command"] == "delete"), c => Assert.Equal(("fleet-teardown", nestedRunId, "outpost/workspace"),
            (c.Properties["workflowContext.workflowName"], c.Properties["workflowContext.runId"], c.Properties["workflowContext.modelType"])));
        Assert.All(children.Where(c => c.Properties["command"] != "delete"), c => Assert.Equal(("training-fleet", runId), (c.Properties["workflowContext.workflowName"], c.Properties["workflowContext.runId"])));
        Assert.Equal(["check-ana", "check-ben", "check-cy"], children.Where(c => c.Properties["command"] == "ssh").Select(c => c.Properties["workflowContext.stepName"]).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.True(c.Measurements["durationMs"] > 0));
        var files = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.DoesNotContain("checked", files, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_during_a_workspace_create_records_the_step_cancelled_with_what_goes_on_and_drains_its_telemetry()
    {
        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(8) };
        using var interrupt = new CancellationTokenSource();
        cli.Interrupt = interrupt.Token;
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        Directory.CreateDirectory(Path.Join(_repository, "workflows"));
        await File.WriteAllTextAsync(Path.Join(_repository, "workflows", "one.yaml"), """
            id: 2d4c6e8a-0b1d-4f3e-8a5c-7e9f1a3b5c7d
            name: one
            jobs:
              - name: make
                steps:
                  - { name: create, task: { type: model_method, modelIdOrName: outpost/workspace, methodName: create, inputs: { name: interrupted-ws, template: local-starter } } }
                  - { name: after, dependsOn: [{ step: create }], task: { type: model_method, modelIdOrName: outpost/workspace, methodName: stop, inputs: { name: interrupted-ws } } }
            """);

        var running = cli.RunAsync("workflow", "run", "one", "--dir", _repository);
        var log = Path.Join(_repository, ".outpost", "workflow-runs", "2d4c6e8a-0b1d-4f3e-8a5c-7e9f1a3b5c7d");
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (!(Directory.Exists(log) && Directory.GetFiles(log, "*.log").Any(file => File.ReadAllText(file).Contains("interrupted-ws build #1 (start): queued", StringComparison.Ordinal))))
        {
            Assert.False(running.IsCompleted || DateTimeOffset.UtcNow > deadline, "the create's build was never followed");
            await Task.Delay(20);
        }

        await interrupt.CancelAsync();
        var run = await running;

        Assert.True(run.ExitCode == ExitCodes.Interrupted, run.Stderr);
        var record = RunRecordStore.Read(Assert.Single(Directory.GetFiles(log, "*.yaml")))!;
        Assert.Equal(("cancelled", "interrupted"), (RunRecord.Text(record, "status"), RunRecord.Text(record, "reason")));
        var steps = RunRecord.Children(RunRecord.Children(record, "jobs")[0], "steps");
        Assert.Equal(["cancelled", "pending"], steps.Select(step => RunRecord.Text(step, "status")));
        // The build was requested: the step says it goes on (the build or the agents starting), and how to follow it.
        Assert.StartsWith("Interrupted: stopped waiting", RunRecord.Text(steps[0], "error"), StringComparison.Ordinal);
        Assert.Contains("interrupted-ws", RunRecord.Text(steps[0], "error"), StringComparison.Ordinal);
        var drained = Assert.Single(cli.Events(InvocationRecorder.EventName), e => e.Properties.ContainsKey("parentInvocationId"));
        Assert.Equal(("create", "error", "workflow run interrupted"), (drained.Properties["command"], drained.Properties["status"], drained.Properties["errorMessage"]));

        cli.Interrupt = CancellationToken.None;
        var delete = await cli.RunAsync("delete", "interrupted-ws", "--yes", "--wait");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
    }

    [Fact]
    public async Task The_rebuild_example_pushes_activates_and_updates_and_a_shell_step_runs_inside_a_workspace_on_its_driver()
    {
        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(8) };
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var create = await cli.RunAsync("create", "rebuilt", "--template", "local-starter", "--yes");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var inputs = Path.Join(_repository, "rebuild.yaml");
        await File.WriteAllTextAsync(inputs, $"""
            template: local-starter
            directory: "{LocalWorkspacesFixture.LocalStarterDirectory}"
            workspaces: [rebuilt]
            """);

        var rebuild = await cli.RunAsync("workflow", "run", Path.Join(Examples(), "rebuild.yaml"), "--input-file", inputs, "--dir", _repository, "--output", "json");

        Assert.True(rebuild.ExitCode == 0, rebuild.Stderr);
        var steps = JsonDocument.Parse(rebuild.Stdout).RootElement.GetProperty("jobs").EnumerateArray().SelectMany(job => job.GetProperty("steps").EnumerateArray()).ToDictionary(step => step.GetProperty("name").GetString()!);
        var version = steps["push"].GetProperty("outputs").GetProperty("version").GetString();
        Assert.False(string.IsNullOrEmpty(version));
        Assert.Equal(version, steps["activate"].GetProperty("outputs").GetProperty("version").GetString());
        Assert.Equal(("succeeded", "running", 2), (steps["update-rebuilt"].GetProperty("status").GetString(), steps["update-rebuilt"].GetProperty("outputs").GetProperty("status").GetString(),
            steps["update-rebuilt"].GetProperty("outputs").GetProperty("buildNumber").GetInt32()));

        // command/shell on the workspace:<name> driver runs in the workspace, with its env, through the same exec session as outpost ssh.
        Directory.CreateDirectory(Path.Join(_repository, "workflows"));
        await File.WriteAllTextAsync(Path.Join(_repository, "workflows", "inside.yaml"), """
            id: 3e5d7f9b-1c2e-4a4f-9b6d-8f0a2b4c6d8e
            name: inside
            driver: "workspace:rebuilt"
            jobs:
              - name: j
                steps:
                  - { name: greet, task: { type: model_method, modelIdOrName: command/shell, methodName: run, inputs: { command: sh, args: ["-c", "echo $GREETING from inside"], env: { GREETING: hello } } } }
            """);
        var inside = await cli.RunAsync("workflow", "run", "inside", "--dir", _repository, "--output", "json");

        Assert.True(inside.ExitCode == 0, inside.Stderr);
        var greet = JsonDocument.Parse(inside.Stdout).RootElement.GetProperty("jobs")[0].GetProperty("steps")[0];
        Assert.Equal(("hello from inside", "workspace:rebuilt"), (greet.GetProperty("outputs").GetProperty("stdout").GetString(), greet.GetProperty("driver").GetString()));
        var child = Assert.Single(cli.Events(InvocationRecorder.EventName), e => e.Properties.GetValueOrDefault("workflowContext.stepName") == "greet");
        Assert.Equal(("workspace:rebuilt", "command/shell", "success"), (child.Properties["workflowContext.driver"], child.Properties["workflowContext.modelType"], child.Properties["status"]));
        Assert.Equal(3, cli.Events(InvocationRecorder.EventName).Count(e => e.Properties.GetValueOrDefault("workflowContext.workflowName") == "rebuild-on-new-version"));

        var delete = await cli.RunAsync("delete", "rebuilt", "--yes");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
    }

    [Fact]
    public async Task Stop_start_restart_and_wait_ready_drive_one_workspace_through_its_builds_in_order()
    {
        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(8) };
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var create = await cli.RunAsync("create", "cycled", "--template", "local-starter", "--yes");
        Assert.True(create.ExitCode == 0, create.Stderr);
        Directory.CreateDirectory(Path.Join(_repository, "workflows"));
        await File.WriteAllTextAsync(Path.Join(_repository, "workflows", "cycle.yaml"), """
            id: 5b7d9f1a-2c4e-4b6d-8e0f-1a3c5e7b9d2f
            name: cycle
            jobs:
              - name: j
                steps:
                  - { name: stop, task: { type: model_method, modelIdOrName: outpost/workspace, methodName: stop, inputs: { name: cycled } } }
                  - { name: start, dependsOn: [{ step: stop }], task: { type: model_method, modelIdOrName: outpost/workspace, methodName: start, inputs: { name: cycled } } }
                  - { name: restart, dependsOn: [{ step: start }], task: { type: model_method, modelIdOrName: outpost/workspace, methodName: restart, inputs: { name: cycled } } }
                  - { name: ready, dependsOn: [{ step: restart }], task: { type: model_method, modelIdOrName: outpost/workspace, methodName: wait-ready, inputs: { name: cycled } } }
            """);

        var run = await cli.RunAsync("workflow", "run", "cycle", "--dir", _repository, "--output", "json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var steps = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("jobs")[0].GetProperty("steps").EnumerateArray()
            .ToDictionary(step => step.GetProperty("name").GetString()!, step => step.GetProperty("outputs"));
        // Build 1 was the create; stop is 2, start 3, restart's stop and start 4 and 5; wait-ready starts nothing.
        Assert.Equal([("stopped", 2), ("running", 3), ("running", 5), ("running", 5)],
            new[] { "stop", "start", "restart", "ready" }.Select(name => (steps[name].GetProperty("status").GetString(), steps[name].GetProperty("buildNumber").GetInt32())));
        var shown = await cli.RunAsync("show", "cycled", "--output", "json");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        Assert.Equal(5, JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("latest_build").GetProperty("build_number").GetInt32());

        var delete = await cli.RunAsync("delete", "cycled", "--yes");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
    }
}
