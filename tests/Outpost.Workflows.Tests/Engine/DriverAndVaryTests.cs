using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using Outpost.Workflows.Tests.Model;

namespace Outpost.Workflows.Tests.Engine;

/// <summary>Drivers by the spec's tiers (§9.9) and vary names (§9.10), both settled before the method starts.</summary>
public sealed class DriverAndVaryTests
{
    private readonly ScriptedInvoker _invoker = new();
    private readonly List<WorkflowEvent> _events = [];

    private async Task<WorkflowRun> RunAsync(string yaml, WorkflowEngineOptions? options = null, Dictionary<string, object?>? inputs = null)
    {
        var workflow = WorkflowParserTests.Parse(yaml);
        var engine = new WorkflowEngine(_invoker, new WorkflowCatalog([workflow]), TimeProvider.System, options ?? new WorkflowEngineOptions());
        var (run, errors) = await engine.RunAsync(workflow, inputs ?? [], _events.Add, CancellationToken.None).WithTimeout();
        Assert.True(run is not null, string.Join("; ", errors));
        return run;
    }

    private const string Tiers = """
        id: 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f
        name: tiers
        driver: "workspace:from-workflow"
        jobs:
          - name: plain
            steps:
              - { name: s, task: { type: model_method, modelIdOrName: m/m, methodName: run } }
          - name: job-driven
            driver: "workspace:from-job"
            steps:
              - { name: s, task: { type: model_method, modelIdOrName: m/m, methodName: run } }
              - { name: t, driver: local, task: { type: model_method, modelIdOrName: m/m, methodName: run } }
        """;

    [Fact]
    public async Task The_driver_comes_from_the_step_then_the_job_then_the_workflow_and_the_command_line_over_all()
    {
        var run = await RunAsync(Tiers);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        var drivers = _invoker.Calls.ToDictionary(call => $"{call.JobName}/{call.StepName}", call => call.Driver);
        Assert.Equal(("workspace:from-workflow", "workspace:from-job", "local"), (drivers["plain/s"], drivers["job-driven/s"], drivers["job-driven/t"]));
        Assert.Equal("local", run.Job("job-driven").Step("t").Driver);
        Assert.Contains(_events, e => e is { Kind: WorkflowEventKind.MethodExecuting, Job: "plain", Driver: "workspace:from-workflow" });

        _invoker.Calls.Clear();
        await RunAsync(Tiers, new WorkflowEngineOptions { Driver = "workspace:cli" });
        Assert.All(_invoker.Calls, call => Assert.Equal("workspace:cli", call.Driver));
    }

    [Fact]
    public async Task An_unknown_driver_or_a_check_that_refuses_fails_the_step_before_the_method()
    {
        _invoker.CheckBehaviour = call => call.StepName == "refused" ? "m/m does not run on workspace:x" : null;
        var run = await RunAsync("""
            id: 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e40
            name: bad-drivers
            jobs:
              - name: j
                steps:
                  - { name: unknown, allowFailure: true, driver: cloud, task: { type: model_method, modelIdOrName: m/m, methodName: run } }
                  - { name: refused, allowFailure: true, driver: "workspace:x", task: { type: model_method, modelIdOrName: m/m, methodName: run } }
            """);

        Assert.Empty(_invoker.Calls);
        Assert.StartsWith("unknown driver \"cloud\"", run.Job("j").Step("unknown").Error, StringComparison.Ordinal);
        Assert.Equal("m/m does not run on workspace:x", run.Job("j").Step("refused").Error);
        Assert.All(_events.Where(e => e.Kind == WorkflowEventKind.StepFailed), e => Assert.True(e.BeforeMethod && e.Model == "m/m" && e.Driver is not null));
        Assert.DoesNotContain(_events, e => e.Kind == WorkflowEventKind.MethodExecuting);
    }

    [Fact]
    public async Task Vary_keys_suffix_the_data_names_from_step_inputs_over_workflow_inputs_and_a_missing_one_fails_before_the_method()
    {
        var run = await RunAsync("""
            id: 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e41
            name: vary
            jobs:
              - name: j
                steps:
                  - name: named
                    dataOutputOverrides: [{ specName: result, vary: [env, region] }, { specName: plain }]
                    task: { type: model_method, modelIdOrName: m/m, methodName: run, inputs: { env: prod, region: { name: eu, id: 7 } } }
                  - name: fallback
                    dataOutputOverrides: [{ specName: out, vary: [target, tags] }]
                    task: { type: model_method, modelIdOrName: m/m, methodName: run, inputs: { tags: [a, b] } }
                  - name: missing
                    allowFailure: true
                    dataOutputOverrides: [{ specName: report, vary: [nowhere] }]
                    task: { type: model_method, modelIdOrName: m/m, methodName: run }
            """, inputs: new Dictionary<string, object?> { ["target"] = "staging", ["env"] = "ignored" });

        var calls = _invoker.Calls.ToDictionary(call => call.StepName);
        Assert.Equal(["result-prod-eu"], calls["named"].DataNames);
        Assert.Equal(["out-staging-[\"a\",\"b\"]"], calls["fallback"].DataNames);
        Assert.Equal(["result-prod-eu"], run.Job("j").Step("named").DataNames);
        Assert.False(calls.ContainsKey("missing"));
        Assert.Equal("Vary dimension 'nowhere' not found in step inputs for spec 'report'", run.Job("j").Step("missing").Error);
        Assert.Contains(_events, e => e is { Kind: WorkflowEventKind.StepFailed, Step: "missing", BeforeMethod: true });
    }
}
