using Outpost.Workflows.Model;

namespace Outpost.Workflows.Tests.Model;

public sealed class WorkflowParserTests
{
    private const string File = "workflows/fleet.yaml";

    internal static WorkflowDefinition Parse(string yaml)
    {
        var result = WorkflowParser.Parse(yaml, File);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Workflow!;
    }

    /// <summary>Two jobs, the second depending on the first under <paramref name="condition"/>.</summary>
    private static string WithCondition(string condition) => $$"""
            id: 6f1c1d7e-52c4-4d7e-9a43-2d7c0c1f0a11
            name: w
            jobs:
              - name: a
                steps: [{ name: s, task: { type: workflow, workflowIdOrName: x } }]
              - name: b
                dependsOn: [{ job: a, condition: {{condition}} }]
                steps: [{ name: s, task: { type: workflow, workflowIdOrName: x } }]
            """;

    private static List<WorkflowError> Errors(string yaml)
    {
        var result = WorkflowParser.Parse(yaml, File);
        Assert.False(result.Succeeded);
        return [.. result.Errors];
    }

    [Fact]
    public void A_full_workflow_is_read_with_every_field()
    {
        var workflow = Parse("""
            id: 6f1c1d7e-52c4-4d7e-9a43-2d7c0c1f0a11
            name: "@platform/fleet"
            description: A training fleet
            tags: { team: platform }
            version: 2
            concurrency: 3
            inputs:
              type: object
              properties:
                count: { type: integer, default: 3 }
                template: { type: string, enum: [python, go] }
              required: [template]
              additionalProperties: false
            jobs:
              - name: create
                weight: 1
                steps:
                  - name: create-${{ self.n }}
                    forEach: { item: n, in: "${{ inputs.names }}" }
                    concurrency: 2
                    allowFailure: true
                    task:
                      type: model_method
                      modelIdOrName: outpost/workspace
                      methodName: create
                      inputs: { name: "${{ self.n }}", template: "${{ inputs.template }}", ttl: 3 }
              - name: teardown
                dependsOn:
                  - job: create
                    condition: { type: or, conditions: [failed, { type: not, condition: skipped }] }
                steps:
                  - name: nested
                    task: { type: workflow, workflowIdOrName: cleanup }
            """);

        Assert.Equal(("@platform/fleet", 2, 3), (workflow.Name, workflow.Version, workflow.Concurrency));
        Assert.Equal("platform", workflow.Tags["team"]);
        Assert.Equal(["template"], workflow.Inputs!.Required);
        Assert.False(workflow.Inputs.AdditionalProperties);
        Assert.Equal(3L, workflow.Inputs.Properties["count"].Default);
        var step = workflow.Jobs[0].Steps[0];
        Assert.Equal(new ForEachClause("n", "${{ inputs.names }}"), step.ForEach);
        Assert.True(step.AllowFailure);
        Assert.Equal(2, step.Concurrency);
        var task = Assert.IsType<StepTask.ModelMethod>(step.Task);
        Assert.Equal(("outpost/workspace", "create", 3L), (task.ModelIdOrName, task.MethodName, task.Inputs["ttl"]));
        var dependency = Assert.Single(workflow.Jobs[1].DependsOn);
        Assert.Equal("or(failed, not(skipped))", dependency.Condition!.ToString());
        Assert.Equal("cleanup", Assert.IsType<StepTask.Workflow>(workflow.Jobs[1].Steps[0].Task).WorkflowIdOrName);
    }

    [Fact]
    public void A_shell_task_is_refused_with_the_pointer_to_the_shell_model()
    {
        var error = Assert.Single(Errors("""
            id: 6f1c1d7e-52c4-4d7e-9a43-2d7c0c1f0a11
            name: w
            jobs:
              - name: j
                steps:
                  - name: s
                    task: { type: shell, command: ls }
            """));

        Assert.Equal((File, 7, "jobs[0].steps[0].task.type"), (error.File, error.Line, error.Path));
        Assert.Contains("command/shell", error.Message, StringComparison.Ordinal);
        Assert.Contains("model_method", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_schema_error_is_reported_at_once_with_its_file_line_and_field()
    {
        var errors = Errors("""
            id: not-a-uuid
            name: bad..name
            colour: blue
            jobs:
              - name: j
                concurrency: -1
                steps:
                  - name: s
                    allowFailure: maybe
                    forEach: { item: 1x, in: plain }
                    task: { type: model_method, modelIdOrName: "", methodName: run }
                    dependsOn:
                      - step: other
                        condition: sometimes
                  - name: t
                    task: { type: teleport }
              - name: empty
                steps: []
            """);

        string[] expected =
        [
            "workflows/fleet.yaml:1:5: id: must be a UUID",
            "workflows/fleet.yaml:2:7: name: must not contain \"..\", a backslash or NUL",
            "workflows/fleet.yaml:3:1: colour: unknown key \"colour\"",
            "workflows/fleet.yaml:6:18: jobs[0].concurrency: must be an integer of at least 0",
            "workflows/fleet.yaml:9:23: jobs[0].steps[0].allowFailure: must be true or false",
            "workflows/fleet.yaml:10:26: jobs[0].steps[0].forEach.item: must be a variable name",
            "workflows/fleet.yaml:10:34: jobs[0].steps[0].forEach.in: must be a ${{ }} expression",
            "workflows/fleet.yaml:11:52: jobs[0].steps[0].task.modelIdOrName: must not be empty",
            "workflows/fleet.yaml:14:24: jobs[0].steps[0].dependsOn[0].condition: unknown condition \"sometimes\"",
            "workflows/fleet.yaml:16:23: jobs[0].steps[1].task.type: unknown task type \"teleport\"",
            "workflows/fleet.yaml:18:12: jobs[1].steps: must list at least one step",
        ];
        var actual = errors.Select(error => error.ToString()).ToList();
        Assert.True(expected.Length == actual.Count, string.Join("\n", actual));
        foreach (var (want, got) in expected.Zip(actual))
        {
            Assert.StartsWith(want, got, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{ type: and, conditions: [succeeded] }", "\"and\" needs at least 2 conditions")]
    [InlineData("{ type: or }", "\"or\" needs at least 2 conditions")]
    [InlineData("{ type: not }", "\"not\" needs one condition")]
    [InlineData("{ type: maybe }", "unknown condition \"maybe\"")]
    public void Condition_forms_are_checked(string condition, string message)
    {
        var error = Assert.Single(Errors(WithCondition(condition)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("jobs[1].dependsOn[0].condition", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Conditions_nested_past_the_limit_are_refused()
    {
        var condition = "succeeded";
        for (var i = 0; i < WorkflowParser.MaxConditionDepth + 1; i++)
        {
            condition = $"{{ type: not, condition: {condition} }}";
        }

        var errors = Errors(WithCondition(condition));
        Assert.Contains(errors, error => error.Message.Contains("nest at most", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("plain", null)]
    [InlineData("@team/fleet", null)]
    [InlineData("@team/fleet/sub-part_2", null)]
    [InlineData("team/fleet", "scoped form")]
    [InlineData("@Team/fleet", "scoped form")]
    [InlineData("@team//fleet", "scoped form")]
    [InlineData("a\\b", "backslash")]
    [InlineData("a..b", "backslash")]
    public void Workflow_names_follow_the_specs_rule(string name, string? problem)
    {
        var found = WorkflowParser.NameProblem(name);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Not_yaml_and_not_a_mapping_are_reported_at_their_place()
    {
        Assert.Contains("not valid YAML", Assert.Single(Errors("jobs: [\n")).Message, StringComparison.Ordinal);
        Assert.Contains("one YAML mapping", Assert.Single(Errors("- a\n- b\n")).Message, StringComparison.Ordinal);
        var missing = Errors("name: w\n");
        Assert.Contains(missing, error => error.Path == "id" && error.Message == "is required");
        Assert.Contains(missing, error => error.Path == "jobs" && error.Message.Contains("at least one job", StringComparison.Ordinal));
    }

    [Fact]
    public void An_input_default_of_the_wrong_type_is_refused()
    {
        var error = Assert.Single(Errors("""
            id: 6f1c1d7e-52c4-4d7e-9a43-2d7c0c1f0a11
            name: w
            inputs:
              properties:
                count: { type: integer, default: many }
                kind: { type: colour }
            jobs: [{ name: j, steps: [{ name: s, task: { type: workflow, workflowIdOrName: x } }] }]
            """), e => e.Path == "inputs.properties.count.default");
        Assert.Contains("must be of type integer, not string", error.Message, StringComparison.Ordinal);
    }
}
