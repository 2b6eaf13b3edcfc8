using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using Outpost.Workflows.Telemetry;
using Outpost.Workflows.Tests.Engine;
using Outpost.Workflows.Tests.Model;

namespace Outpost.Workflows.Tests.Telemetry;

/// <summary>Seed 004's bridge over real runs of the engine: the five branches, draining, keys with colons, nested runs, a sink that throws.</summary>
public sealed class WorkflowTelemetryBridgeTests
{
    private readonly ScriptedInvoker _invoker = new();
    private readonly SteppingClock _clock = new();
    private readonly ListSink _sink = new();

    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    private sealed class ListSink : IChildInvocationSink
    {
        public List<ChildInvocation> Children { get; } = [];

        public Exception? Throw { get; set; }

        public void RecordChild(ChildInvocation child)
        {
            if (Throw is not null)
            {
                throw Throw;
            }

            lock (Children)
            {
                Children.Add(child);
            }
        }
    }

    private WorkflowTelemetryBridge Bridge(Action<Exception>? onSinkError = null) => new(_sink, _clock, ["test/model"], onSinkError);

    private static WorkflowDefinition Workflow(string name, string jobs) => WorkflowParserTests.Parse($"""
        id: {Guid.NewGuid()}
        name: {name}
        jobs:
        {jobs}
        """);

    private async Task<WorkflowRun> RunAsync(WorkflowTelemetryBridge bridge, WorkflowDefinition workflow, IReadOnlyList<WorkflowDefinition>? others = null,
        CancellationToken cancellationToken = default, WorkflowEngineOptions? options = null)
    {
        var engine = new WorkflowEngine(_invoker, new WorkflowCatalog([workflow, .. others ?? []]), _clock, options ?? new WorkflowEngineOptions());
        var (run, errors) = await engine.RunAsync(workflow, new Dictionary<string, object?>(), bridge.Observe, cancellationToken).WithTimeout();
        Assert.True(run is not null, string.Join("; ", errors));
        return run;
    }

    [Fact]
    public async Task Success_failure_after_and_before_the_method_each_write_a_child_and_structural_failures_none_with_colons_in_names_intact()
    {
        _invoker.Behaviour = (call, _) =>
        {
            _clock.Advance(TimeSpan.FromSeconds(call.StepName == "ok:1" ? 5 : 2));
            return Task.FromResult(call.StepName == "post" ? MethodResult.Failure("boom") : MethodResult.Success());
        };
        _invoker.CheckBehaviour = call => call.Model == "test/model" ? null : $"Model not found: {call.Model}";
        var bridge = Bridge();
        var run = await RunAsync(bridge, Workflow("w:x", """
              - name: "a:b"
                steps:
                  - { name: "ok:1", task: { type: model_method, modelIdOrName: test/model, methodName: run } }
                  - { name: post, allowFailure: true, task: { type: model_method, modelIdOrName: test/model, methodName: run } }
                  - { name: pre, allowFailure: true, task: { type: model_method, modelIdOrName: other/model, methodName: go } }
                  - { name: expr, allowFailure: true, task: { type: model_method, modelIdOrName: test/model, methodName: "${{ nothing.here }}" } }
                  - { name: nest, allowFailure: true, task: { type: workflow, workflowIdOrName: missing } }
            """));
        bridge.Finalize();

        Assert.Equal(RunStatus.Succeeded, run.Status);
        var children = _sink.Children.ToDictionary(child => child.Context.StepName);
        Assert.Equal(["expr", "ok:1", "post", "pre"], children.Keys.Order(StringComparer.Ordinal));
        Assert.All(children.Values, child => Assert.Equal(("w:x", "a:b", run.Id), (child.Context.WorkflowName, child.Context.JobName, child.Context.RunId)));
        Assert.Equal((null, TimeSpan.FromSeconds(5), "test/model", "local"), (children["ok:1"].Error, children["ok:1"].CompletedAt - children["ok:1"].StartedAt, children["ok:1"].Context.ModelType, children["ok:1"].Context.Driver));
        Assert.Equal(("boom", TimeSpan.FromSeconds(2)), (children["post"].Error, children["post"].CompletedAt - children["post"].StartedAt));
        Assert.Equal(("Model not found: other/model", TimeSpan.Zero, null, "go"), (children["pre"].Error, children["pre"].CompletedAt - children["pre"].StartedAt, children["pre"].Context.ModelType, children["pre"].Method));
        Assert.Equal(TimeSpan.Zero, children["expr"].CompletedAt - children["expr"].StartedAt);
        Assert.Contains("nothing", children["expr"].Error, StringComparison.Ordinal);
        Assert.Equal("Workflow not found: missing", run.Job("a:b").Step("nest").Error);
    }

    [Fact]
    public async Task Methods_in_flight_at_cancellation_are_drained_once_by_finalize_with_their_real_duration()
    {
        using var cancel = new CancellationTokenSource();
        _invoker.Behaviour = async (call, token) =>
        {
            _clock.Advance(TimeSpan.FromSeconds(7));
            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
            return MethodResult.Success();
        };
        var bridge = Bridge();
        var run = await RunAsync(bridge, Workflow("w", """
              - name: "j:1"
                steps:
                  - { name: "s:1", task: { type: model_method, modelIdOrName: test/model, methodName: run } }
            """), cancellationToken: cancel.Token);

        Assert.Equal((RunStatus.Cancelled, RunStatus.Cancelled), (run.Status, run.Job("j:1").Step("s:1").Status));
        Assert.Empty(_sink.Children);
        Assert.Equal(1, bridge.InFlightCount);
        _clock.Advance(TimeSpan.FromSeconds(1));
        bridge.Finalize("workflow run interrupted");
        bridge.Finalize("again");
        bridge.Observe(new WorkflowEvent(WorkflowEventKind.MethodExecuting, "w", run.Id, 0) { Job = "j:1", Step = "s:2", Model = "test/model", Method = "run" });

        var drained = Assert.Single(_sink.Children);
        Assert.Equal(("j:1", "s:1", "workflow run interrupted", TimeSpan.FromSeconds(8)), (drained.Context.JobName, drained.Context.StepName, drained.Error, drained.CompletedAt - drained.StartedAt));
        Assert.Equal(0, bridge.InFlightCount);
    }

    [Fact]
    public void Finalize_without_a_reason_uses_the_default_message()
    {
        var bridge = Bridge();
        bridge.Observe(new WorkflowEvent(WorkflowEventKind.MethodExecuting, "w", Guid.NewGuid(), 0) { Job = "j", Step = "s", Model = "test/model", Method = "run" });
        bridge.Finalize();

        Assert.Equal(WorkflowTelemetryBridge.DefaultFinalizeReason, Assert.Single(_sink.Children).Error);
    }

    [Fact]
    public async Task A_nested_run_labels_its_own_methods_and_its_same_named_steps_do_not_collide_with_the_outer_ones()
    {
        using var bothRunning = new CountdownEvent(2);
        _invoker.Behaviour = async (call, token) =>
        {
            bothRunning.Signal();
            await Task.Run(() => bothRunning.Wait(token), token);
            return MethodResult.Success();
        };
        var inner = Workflow("inner", """
              - name: j
                steps: [{ name: a, task: { type: model_method, modelIdOrName: test/model, methodName: run } }]
            """);
        var bridge = Bridge();
        var run = await RunAsync(bridge, Workflow("outer", """
              - name: j
                steps:
                  - { name: a, task: { type: model_method, modelIdOrName: test/model, methodName: run } }
                  - { name: call, task: { type: workflow, workflowIdOrName: inner } }
            """), [inner]);
        bridge.Finalize();

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(2, _sink.Children.Count);
        Assert.All(_sink.Children, child => Assert.Equal(("j", "a", null), (child.Context.JobName, child.Context.StepName, child.Error)));
        var outer = Assert.Single(_sink.Children, child => child.Context.WorkflowName == "outer");
        Assert.Equal(run.Id, outer.Context.RunId);
        var nested = Assert.Single(_sink.Children, child => child.Context.WorkflowName == "inner");
        Assert.Equal(run.Job("j").Step("call").NestedRunId, nested.Context.RunId);
        Assert.Equal(inner.Id, nested.Context.WorkflowId);
    }

    [Fact]
    public async Task A_sink_that_throws_never_fails_the_run_nor_hides_a_step_error()
    {
        _sink.Throw = new IOException("No space left on device");
        _invoker.Behaviour = (call, _) => Task.FromResult(call.StepName == "bad" ? MethodResult.Failure("real error") : MethodResult.Success());
        var reported = new List<Exception>();
        var bridge = Bridge(reported.Add);
        var run = await RunAsync(bridge, Workflow("w", """
              - name: j
                steps:
                  - { name: good, task: { type: model_method, modelIdOrName: test/model, methodName: run } }
                  - { name: bad, dependsOn: [{ step: good }], task: { type: model_method, modelIdOrName: test/model, methodName: run } }
            """));
        bridge.Finalize();

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("real error", run.Job("j").Step("bad").Error);
        Assert.Equal(2, reported.Count);
        Assert.All(reported, ex => Assert.IsType<IOException>(ex));
    }
}
