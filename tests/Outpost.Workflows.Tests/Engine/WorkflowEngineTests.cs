using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using Outpost.Workflows.Tests.Model;

namespace Outpost.Workflows.Tests.Engine;

public sealed class WorkflowEngineTests
{
    private readonly ScriptedInvoker _invoker = new();
    private readonly List<WorkflowEvent> _events = [];

    private static string Method(string name, string extra = "", string inputs = "{}") =>
        $"{{ name: \"{name}\", task: {{ type: model_method, modelIdOrName: test/model, methodName: run, inputs: {inputs} }}{extra} }}";

    private static WorkflowDefinition Workflow(string jobs, string name = "w", string header = "") => WorkflowParserTests.Parse($"""
        id: {Guid.NewGuid()}
        name: {name}
        {header}
        jobs:
        {jobs}
        """);

    private async Task<WorkflowRun> RunAsync(WorkflowDefinition workflow, IReadOnlyList<WorkflowDefinition>? others = null, WorkflowEngineOptions? options = null,
        Dictionary<string, object?>? inputs = null, CancellationToken cancellationToken = default)
    {
        var engine = new WorkflowEngine(_invoker, new WorkflowCatalog([workflow, .. others ?? []]), TimeProvider.System, options ?? new WorkflowEngineOptions());
        var (run, errors) = await engine.RunAsync(workflow, inputs ?? [], _events.Add, cancellationToken).WithTimeout();
        Assert.True(run is not null, string.Join("; ", errors));
        return run;
    }

    [Fact]
    public async Task Jobs_run_by_their_conditions_and_the_run_fails_only_when_a_job_failed()
    {
        _invoker.Behaviour = (call, _) => Task.FromResult(call.JobName == "build" ? MethodResult.Failure("compile error") : MethodResult.Success());
        var workflow = Workflow($$"""
              - name: build
                steps: [{{Method("compile")}}]
              - name: deploy
                dependsOn: [{ job: build, condition: succeeded }]
                steps: [{{Method("ship")}}]
              - name: notify
                dependsOn: [{ job: build, condition: failed }]
                steps: [{{Method("page")}}]
              - name: cleanup
                dependsOn: [{ job: deploy, condition: { type: or, conditions: [skipped, completed] } }]
                steps: [{{Method("sweep")}}]
            """);

        var run = await RunAsync(workflow);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal([RunStatus.Failed, RunStatus.Skipped, RunStatus.Succeeded, RunStatus.Succeeded], run.Jobs.Select(job => job.Status));
        Assert.Equal(RunStatus.Skipped, run.Job("deploy").Step("ship").Status);
        Assert.Equal("compile error", run.Job("build").Step("compile").Error);
        Assert.Equal(["compile", "page", "sweep"], _invoker.StepNames());
        Assert.Contains(_events, e => e.Kind == WorkflowEventKind.JobSkipped && e.Job == "deploy");
        Assert.Equal(WorkflowEventKind.Started, _events[0].Kind);
        Assert.Equal((WorkflowEventKind.Completed, RunStatus.Failed), (_events[^1].Kind, _events[^1].Status));
    }

    [Fact]
    public async Task A_skipped_job_does_not_fail_the_run()
    {
        var run = await RunAsync(Workflow($$"""
              - name: a
                steps: [{{Method("s")}}]
              - name: b
                dependsOn: [{ job: a, condition: failed }]
                steps: [{{Method("t")}}]
            """));

        Assert.Equal((RunStatus.Succeeded, RunStatus.Skipped), (run.Status, run.Job("b").Status));
    }

    [Fact]
    public async Task A_failed_step_stops_later_levels_unless_it_is_allowed_to_fail_and_outputs_reach_later_steps()
    {
        _invoker.Behaviour = (call, _) => Task.FromResult(call.StepName is "flaky" or "broken" ? MethodResult.Failure($"{call.StepName} broke") : MethodResult.Success(new Dictionary<string, object?> { ["value"] = $"{call.StepName}-out", ["in"] = call.Inputs.GetValueOrDefault("from") }));
        var run = await RunAsync(Workflow($$"""
              - name: tolerant
                steps:
                  - {{Method("flaky", ", allowFailure: true")}}
                  - {{Method("first")}}
                  - {{Method("after", ", dependsOn: [{ step: first }, { step: flaky, condition: failed }]", "{ from: '${{ steps.first.outputs.value }}', why: '${{ steps.flaky.error }}' }")}}
              - name: strict
                steps:
                  - {{Method("broken")}}
                  - {{Method("never", ", dependsOn: [{ step: broken, condition: always }]")}}
            """));

        var tolerant = run.Job("tolerant");
        Assert.Equal(RunStatus.Succeeded, tolerant.Status);
        Assert.True(tolerant.Step("flaky").AllowedFailure);
        Assert.Equal("first-out", tolerant.Step("after").Outputs["in"]);
        Assert.Equal("flaky broke", _invoker.Calls.Single(call => call.StepName == "after").Inputs["why"]);
        var strict = run.Job("strict");
        Assert.Equal(RunStatus.Failed, strict.Status);
        Assert.Equal(RunStatus.Pending, strict.Step("never").Status);
        Assert.DoesNotContain("never", _invoker.StepNames());
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains(_events, e => e.Kind == WorkflowEventKind.StepFailed && e.Step == "flaky" && e.AllowedFailure && e.Model == "test/model" && !e.BeforeMethod);
    }

    [Fact]
    public async Task ForEach_expands_with_the_naming_rules_and_dependents_wait_for_every_expansion()
    {
        var workflow = Workflow($$"""
              - name: fleet
                steps:
                  - {{Method("create", ", forEach: { item: who, in: '${{ inputs.names }}' }", "{ name: 'ws-${{ self.who }}' }")}}
                  - {{Method("named-${{ self.n.id }}", ", forEach: { item: n, in: '${{ inputs.objects }}' }")}}
                  - {{Method("plain", ", forEach: { item: n, in: '${{ inputs.objects }}' }")}}
                  - {{Method("entry", ", forEach: { item: e, in: '${{ inputs.sizes }}' }", "{ size: '${{ self.e.value }}' }")}}
                  - {{Method("bad-${{ self.n.missing.deeper.x() }}", ", forEach: { item: n, in: '${{ inputs.names }}' }")}}
                  - {{Method("none", ", forEach: { item: n, in: '${{ inputs.empty }}' }")}}
                  - {{Method("check", ", dependsOn: [{ step: create }]", "{ created: '${{ length(steps) }}' }")}}
            """);
        var inputs = new Dictionary<string, object?>
        {
            ["names"] = new List<object?> { "ada", "bob" },
            ["objects"] = new List<object?> { new Dictionary<string, object?> { ["id"] = "x1" }, new Dictionary<string, object?> { ["id"] = "x2" } },
            ["sizes"] = new Dictionary<string, object?> { ["small"] = 1L, ["large"] = 8L },
            ["empty"] = new List<object?>(),
        };

        var run = await RunAsync(workflow, inputs: inputs);

        var fleet = run.Job("fleet");
        Assert.Equal(
            ["create-ada", "create-bob", "named-x1", "named-x2", "plain-0", "plain-1", "entry-small", "entry-large", "bad-${{ self.n.missing.deeper.x() }}-0", "bad-${{ self.n.missing.deeper.x() }}-1", "check"],
            fleet.Steps.Select(step => step.Name));
        Assert.Equal(RunStatus.Succeeded, fleet.Status);
        Assert.Equal("ws-bob", _invoker.Calls.Single(call => call.StepName == "create-bob").Inputs["name"]);
        Assert.Equal(8L, _invoker.Calls.Single(call => call.StepName == "entry-large").Inputs["size"]);
        // "check" ran after both creations (and everything else of the first level).
        Assert.Equal("check", _invoker.StepNames()[^1]);
        Assert.Equal("10", _invoker.Calls.Single(call => call.StepName == "check").Inputs["created"]?.ToString());
    }

    [Fact]
    public async Task Expanded_names_that_collide_fail_the_job_and_a_bad_forEach_source_fails_its_step()
    {
        var duplicate = await RunAsync(Workflow($$"""
              - name: j
                steps: [{{Method("s", ", forEach: { item: n, in: '${{ inputs.names }}' }")}}]
            """), inputs: new() { ["names"] = new List<object?> { "a", "a" } });
        var notAList = await RunAsync(Workflow($$"""
              - name: j
                steps: [{{Method("s", ", forEach: { item: n, in: '${{ inputs.count }}' }")}}, {{Method("t")}}]
            """), inputs: new() { ["count"] = 3L });

        Assert.Equal(RunStatus.Failed, duplicate.Job("j").Status);
        Assert.Contains(_events, e => e.Error == "Duplicate node names: s-a");
        Assert.Equal(RunStatus.Failed, notAList.Job("j").Status);
        Assert.Contains("gave a number; it must give a list or an object", notAList.Job("j").Step("s").Error, StringComparison.Ordinal);
        Assert.Empty(_invoker.Calls);
    }

    [Fact]
    public async Task The_tightest_concurrency_limit_holds_and_the_global_cap_wins_over_a_larger_one()
    {
        var twoRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _invoker.Behaviour = async (call, _) =>
        {
            if (_invoker.Active >= 2)
            {
                twoRunning.TrySetResult();
            }

            await twoRunning.Task.WithTimeout();
            return MethodResult.Success();
        };
        var steps = $$"""
              - name: j
                concurrency: 4
                steps: [{{Method("s", ", concurrency: 2, forEach: { item: n, in: '${{ inputs.names }}' }")}}]
            """;
        var names = new Dictionary<string, object?> { ["names"] = new List<object?> { "a", "b", "c", "d", "e" } };

        var limited = await RunAsync(Workflow(steps, header: "concurrency: 8"), inputs: names);

        Assert.Equal(RunStatus.Succeeded, limited.Status);
        Assert.Equal(2, _invoker.MaxActive);
        Assert.Equal(5, _invoker.Calls.Count);

        var capped = new ScriptedInvoker();
        var engine = new WorkflowEngine(capped, new WorkflowCatalog([]), TimeProvider.System, new WorkflowEngineOptions { MaxConcurrency = 1 });
        var (run, _) = await engine.RunAsync(Workflow(steps), names, null, CancellationToken.None).WithTimeout();
        Assert.Equal((RunStatus.Succeeded, 1, 5), (run!.Status, capped.MaxActive, capped.Calls.Count));
    }

    [Fact]
    public async Task Jobs_of_a_level_run_concurrently_in_weight_then_name_order_up_to_the_workflow_limit()
    {
        var started = new List<string>();
        _invoker.Behaviour = (call, _) =>
        {
            lock (started)
            {
                started.Add(call.JobName);
            }

            return Task.FromResult(MethodResult.Success());
        };
        var run = await RunAsync(Workflow($$"""
              - { name: c, steps: [{{Method("s")}}] }
              - { name: b, weight: -1, steps: [{{Method("s")}}] }
              - { name: a, steps: [{{Method("s")}}] }
              - { name: last, dependsOn: [{ job: a }, { job: b }, { job: c }], steps: [{{Method("s")}}] }
            """, header: "concurrency: 1"));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(["b", "a", "c", "last"], started);
        Assert.Equal(1, _invoker.MaxActive);
    }

    [Fact]
    public async Task An_expression_error_fails_the_step_before_its_method_and_a_throwing_method_fails_it_after()
    {
        _invoker.Behaviour = (_, _) => throw new InvalidOperationException("the disk is full");
        var run = await RunAsync(Workflow($$"""
              - name: j
                steps:
                  - {{Method("bad", "", "{ x: '${{ nope.x }}' }")}}
                  - {{Method("throws")}}
            """));

        var bad = run.Job("j").Step("bad");
        Assert.Contains("unknown name \"nope\"", bad.Error, StringComparison.Ordinal);
        Assert.Equal("the disk is full", run.Job("j").Step("throws").Error);
        Assert.Equal(["throws"], _invoker.StepNames());
        Assert.True(_events.Single(e => e.Kind == WorkflowEventKind.StepFailed && e.Step == "bad").BeforeMethod);
        Assert.False(_events.Single(e => e.Kind == WorkflowEventKind.StepFailed && e.Step == "throws").BeforeMethod);
        Assert.DoesNotContain(_events, e => e.Kind == WorkflowEventKind.MethodExecuting && e.Step == "bad");
    }

    [Fact]
    public async Task Inputs_are_checked_against_the_schema_and_defaults_reach_expressions()
    {
        var workflow = Workflow($$"""
              - name: j
                steps: [{{Method("s", "", "{ n: '${{ inputs.count }}' }")}}]
            """, header: "inputs: { properties: { count: { type: integer, default: 2 } }, additionalProperties: false }");
        var engine = new WorkflowEngine(_invoker, new WorkflowCatalog([workflow]), TimeProvider.System, new WorkflowEngineOptions());

        var (refused, errors) = await engine.RunAsync(workflow, new Dictionary<string, object?> { ["count"] = "two", ["extra"] = 1L }, null, CancellationToken.None).WithTimeout();
        var (run, _) = await engine.RunAsync(workflow, new Dictionary<string, object?>(), null, CancellationToken.None).WithTimeout();

        Assert.Null(refused);
        Assert.Equal(["input \"count\" must be of type integer, not string", "input \"extra\" is not declared; the workflow takes count"], errors);
        Assert.Equal(RunStatus.Succeeded, run!.Status);
        Assert.Equal(2L, Assert.Single(_invoker.Calls).Inputs["n"]);
    }

    [Fact]
    public async Task Cancellation_stops_the_running_method_records_it_cancelled_and_starts_nothing_more()
    {
        var executing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _invoker.Behaviour = async (_, cancellationToken) =>
        {
            executing.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return MethodResult.Success();
        };
        using var cancel = new CancellationTokenSource();
        var workflow = Workflow($$"""
              - name: j
                steps: [{{Method("long")}}, {{Method("next", ", dependsOn: [{ step: long, condition: always }]")}}]
              - name: later
                dependsOn: [{ job: j, condition: always }]
                steps: [{{Method("s")}}]
            """);
        var engine = new WorkflowEngine(_invoker, new WorkflowCatalog([workflow]), TimeProvider.System, new WorkflowEngineOptions());
        var running = engine.RunAsync(workflow, new Dictionary<string, object?>(), _events.Add, cancel.Token);
        await executing.Task.WithTimeout();

        await cancel.CancelAsync();
        var (run, _) = await running.WithTimeout();

        Assert.Equal(RunStatus.Cancelled, run!.Status);
        Assert.Equal(RunStatus.Cancelled, run.Job("j").Status);
        Assert.Equal(RunStatus.Cancelled, run.Job("j").Step("long").Status);
        Assert.Equal(RunStatus.Pending, run.Job("j").Step("next").Status);
        Assert.Equal(RunStatus.Pending, run.Job("later").Status);
        Assert.Equal(["long"], _invoker.StepNames());
        Assert.Contains(_events, e => e.Kind == WorkflowEventKind.StepCancelled && e.Step == "long");
        Assert.Equal((WorkflowEventKind.Completed, RunStatus.Cancelled), (_events[^1].Kind, _events[^1].Status));
    }
}
