using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using Outpost.Workflows.Tests.Model;

namespace Outpost.Workflows.Tests.Engine;

public sealed class NestedWorkflowTests
{
    private readonly ScriptedInvoker _invoker = new();
    private readonly List<WorkflowEvent> _events = [];

    private static WorkflowDefinition Calling(string name, string target, string inputs = "{}") => WorkflowParserTests.Parse($$"""
        id: {{Guid.NewGuid()}}
        name: {{name}}
        jobs:
          - name: main
            steps: [{ name: call, task: { type: workflow, workflowIdOrName: {{target}}, inputs: {{inputs}} } }]
        """);

    private const string WhoInput = "${{ inputs.who }}";

    private static WorkflowDefinition Leaf(string name, bool fails = false) => WorkflowParserTests.Parse($$"""
        id: {{Guid.NewGuid()}}
        name: {{name}}
        inputs: { properties: { who: { type: string } } }
        jobs:
          - name: inner
            steps: [{ name: "work:{{(fails ? "fail" : "ok")}}", task: { type: model_method, modelIdOrName: test/model, methodName: run, inputs: { who: "{{WhoInput}}" } } }]
        """);

    private async Task<WorkflowRun> RunAsync(WorkflowDefinition root, params WorkflowDefinition[] others)
    {
        _invoker.Behaviour = (call, _) => Task.FromResult(call.StepName.EndsWith("fail", StringComparison.Ordinal) ? MethodResult.Failure("inner failure") : MethodResult.Success());
        var engine = new WorkflowEngine(_invoker, new WorkflowCatalog([root, .. others]), TimeProvider.System, new WorkflowEngineOptions());
        var (run, errors) = await engine.RunAsync(root, new Dictionary<string, object?>(), _events.Add, CancellationToken.None).WithTimeout();
        Assert.True(run is not null, string.Join("; ", errors));
        return run;
    }

    [Fact]
    public async Task A_nested_workflow_runs_with_its_inputs_and_its_events_carry_its_own_names()
    {
        var run = await RunAsync(Calling("outer", "inner-flow", "{ who: ada }"), Leaf("inner-flow"));

        var step = run.Job("main").Step("call");
        Assert.Equal(RunStatus.Succeeded, step.Status);
        Assert.Equal(("workflow", "inner-flow", "succeeded"), (step.Outputs["type"], step.Outputs["workflow"], step.Outputs["status"]));
        var call = Assert.Single(_invoker.Calls);
        Assert.Equal(("inner-flow", "inner", "work:ok", "ada"), (call.WorkflowName, call.JobName, call.StepName, call.Inputs["who"]));
        Assert.Contains(_events, e => e.Kind == WorkflowEventKind.MethodExecuting && e.Workflow == "inner-flow" && e.Depth == 1 && e.Step == "work:ok");
        // One Completed: the root's; the child's end is its parent step's completion.
        Assert.Equal("outer", Assert.Single(_events, e => e.Kind == WorkflowEventKind.Completed).Workflow);
    }

    [Fact]
    public async Task A_failed_nested_workflow_fails_its_step()
    {
        var run = await RunAsync(Calling("outer", "inner-flow"), Leaf("inner-flow", fails: true));

        Assert.Equal("Nested workflow \"inner-flow\" failed.", run.Job("main").Step("call").Error);
        Assert.Equal(RunStatus.Failed, run.Status);
    }

    [Fact]
    public async Task A_cycle_is_refused_naming_the_workflows_in_it()
    {
        var run = await RunAsync(Calling("a", "b"), Calling("b", "c"), Calling("c", "a"));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains(_events, e => e.Kind == WorkflowEventKind.StepFailed && e.Workflow == "c"
            && e.Error == "Workflow cycle detected: a -> b -> c -> a. A workflow cannot invoke itself directly or indirectly.");
        Assert.Equal("Nested workflow \"b\" failed.", run.Job("main").Step("call").Error);
        Assert.Empty(_invoker.Calls);
    }

    [Fact]
    public async Task Nesting_stops_at_the_depth_limit()
    {
        var chain = Enumerable.Range(0, 12).Select(i => Calling($"w{i}", $"w{i + 1}")).Append(Leaf("w12")).ToArray();

        var run = await RunAsync(chain[0], chain[1..]);

        Assert.Equal(RunStatus.Failed, run.Status);
        var deepest = Assert.Single(_events, e => e.Kind == WorkflowEventKind.StepFailed && e.Error!.StartsWith("Maximum", StringComparison.Ordinal));
        Assert.Equal(("w10", 10), (deepest.Workflow, deepest.Depth));
        Assert.Equal("Maximum workflow nesting depth (10) exceeded. Workflow \"w11\" cannot be invoked at depth 11.", deepest.Error);
        Assert.Empty(_invoker.Calls);
    }

    [Fact]
    public async Task An_unknown_nested_workflow_fails_its_step_naming_it()
    {
        var run = await RunAsync(Calling("outer", "ghost"));

        Assert.Equal("Workflow not found: ghost", run.Job("main").Step("call").Error);
    }
}
