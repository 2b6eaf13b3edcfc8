using Outpost.Cli.Workflows;
using Outpost.Cli.Workflows.Methods;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;

namespace Outpost.Cli.Tests.Workflows;

/// <summary>The examples call only methods that exist, with only inputs those methods take (ExampleWorkflowTests checks the files themselves).</summary>
public sealed class ExampleMethodsTests
{
    [Fact]
    public async Task Every_example_step_names_a_known_model_method_and_its_inputs()
    {
        var files = Directory.GetFiles(WorkflowEndToEndTests.Examples(), "*.yaml");
        var (workflows, errors) = await WorkflowCommand.LoadAsync(files, CancellationToken.None);
        Assert.Empty(errors);
        await using var host = new MethodHost(new TestCli().CreateContext(new StringWriter(), new StringWriter()));
        var invoker = new CliMethodInvoker(host, CliMethodInvoker.Builtin);
        var steps = workflows.SelectMany(w => w.Jobs.SelectMany(j => j.Steps.Select(s => (Workflow: w.Name, Step: s)))).Where(s => s.Step.Task is StepTask.ModelMethod).ToList();

        Assert.NotEmpty(steps);
        foreach (var (workflow, step) in steps)
        {
            var task = (StepTask.ModelMethod)step.Task;
            var problem = invoker.Check(new MethodCall(workflow, Guid.Empty, "j", step.Name, task.ModelIdOrName, task.MethodName, task.Inputs));
            // Expressions are not evaluated here, so only the names are checked: model, method, input keys.
            Assert.False(problem is not null && (problem.Contains("not one", StringComparison.Ordinal) || problem.Contains("not found", StringComparison.Ordinal)
                || problem.Contains("Unknown method", StringComparison.Ordinal) || problem.Contains("is required", StringComparison.Ordinal)), $"{workflow}/{step.Name}: {problem}");
        }
    }
}
