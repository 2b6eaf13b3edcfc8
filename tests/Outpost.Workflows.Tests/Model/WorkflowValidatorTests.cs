using Outpost.Workflows.Model;

namespace Outpost.Workflows.Tests.Model;

public sealed class WorkflowValidatorTests
{
    private static string Step(string name, string dependsOn = "") =>
        $"{{ name: {name}, task: {{ type: model_method, modelIdOrName: m, methodName: run }}{dependsOn} }}";

    [Fact]
    public void Duplicate_names_and_unknown_references_are_named_with_what_is_known()
    {
        var workflow = WorkflowParserTests.Parse($$"""
            id: 6f1c1d7e-52c4-4d7e-9a43-2d7c0c1f0a11
            name: w
            jobs:
              - name: a
                steps: [{{Step("s")}}, {{Step("s")}}, {{Step("t", ", dependsOn: [{ step: nope }]")}}]
              - name: a
                dependsOn: [{ job: ghost }]
                steps: [{{Step("s")}}]
            """);

        var errors = WorkflowValidator.Validate(workflow).Select(error => $"{error.Path}: {error.Message}").ToList();

        Assert.Equal(
        [
            "jobs[0].steps[1].name: step \"s\" is defined more than once in job \"a\"; step names are unique in a job",
            "jobs[0].steps[2].dependsOn[0].step: no step \"nope\" in job \"a\"; known: s, t",
            "jobs[1].name: job \"a\" is defined more than once; job names are unique in a workflow",
            "jobs[1].dependsOn[0].job: no job \"ghost\" in the workflow; known: a",
        ], errors);
    }

    [Fact]
    public void Job_and_step_cycles_name_their_path()
    {
        var workflow = WorkflowParserTests.Parse($$"""
            id: 6f1c1d7e-52c4-4d7e-9a43-2d7c0c1f0a11
            name: w
            jobs:
              - name: a
                dependsOn: [{ job: b }]
                steps: [{{Step("x", ", dependsOn: [{ step: y }]")}}, {{Step("y", ", dependsOn: [{ step: x }]")}}, {{Step("z")}}]
              - name: b
                dependsOn: [{ job: a, condition: failed }]
                steps: [{{Step("s")}}]
            """);

        var errors = WorkflowValidator.Validate(workflow).Select(error => $"{error.Path}: {error.Message}").ToList();

        Assert.Equal(["jobs[0].steps: Cyclic dependency detected: x -> y -> x", "jobs: Cyclic dependency detected: a -> b -> a"], errors);
    }

    [Fact]
    public void Levels_order_by_weight_then_name_and_a_valid_workflow_has_no_errors()
    {
        var (levels, cycle) = Dag.Levels(
        [
            ("deploy", 0, ["build", "lint"]),
            ("lint", 5, []),
            ("build", 1, []),
            ("alpha", 1, []),
            ("report", 0, ["deploy"]),
        ]);

        Assert.Null(cycle);
        Assert.Equal([["alpha", "build", "lint"], ["deploy"], ["report"]], levels!.Select(level => level.ToArray()).ToArray());
    }

    [Fact]
    public void Nested_workflow_references_must_exist_and_must_not_cycle()
    {
        WorkflowDefinition Nested(string name, params string[] targets) => WorkflowParserTests.Parse($$"""
            id: {{Guid.NewGuid()}}
            name: {{name}}
            jobs:
              - name: j
                steps: [{{string.Join(", ", targets.Select((target, i) => $"{{ name: s{i}, task: {{ type: workflow, workflowIdOrName: {target} }} }}"))}}]
            """) with { File = $"workflows/{name}.yaml" };
        var a = Nested("a", "b");
        var b = Nested("b", "c", "missing");
        var c = Nested("c", "a");
        var d = Nested("d", "b");

        var errors = WorkflowValidator.ValidateReferences([a, b, c, d]).Select(error => $"{error.File}: {error.Path}: {error.Message}").ToList();

        Assert.Equal(
        [
            "workflows/b.yaml: jobs[0].steps[1].task.workflowIdOrName: no workflow \"missing\"; known: a, b, c, d",
            "workflows/a.yaml: jobs: Workflow cycle detected: a -> b -> c -> a. A workflow cannot invoke itself directly or indirectly.",
        ], errors);
    }
}
