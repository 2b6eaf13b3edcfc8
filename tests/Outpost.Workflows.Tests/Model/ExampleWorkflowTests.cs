using Outpost.Workflows.Model;

namespace Outpost.Workflows.Tests.Model;

/// <summary>The workflows in examples/workflows parse and validate, alone and as a set (the fleet nests its teardown).</summary>
public sealed class ExampleWorkflowTests
{
    private static string Examples()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Join(directory.FullName, "Outpost.slnx")))
            {
                return Path.Join(directory.FullName, "examples", "workflows");
            }
        }

        throw new InvalidOperationException("the repository root (Outpost.slnx) was not found above the test binaries");
    }

    [Fact]
    public void Every_example_workflow_is_valid()
    {
        var workflows = new List<WorkflowDefinition>();
        foreach (var file in Directory.EnumerateFiles(Examples(), "*.yaml"))
        {
            var parsed = WorkflowParser.Parse(File.ReadAllText(file), file);
            Assert.True(parsed.Succeeded, string.Join("\n", parsed.Errors));
            Assert.Empty(WorkflowValidator.Validate(parsed.Workflow!));
            workflows.Add(parsed.Workflow!);
        }

        Assert.Equal(3, workflows.Count);
        Assert.Empty(WorkflowValidator.ValidateReferences(workflows));
        Assert.Contains(workflows.SelectMany(w => w.Jobs).SelectMany(j => j.Steps), step => step.Task is StepTask.Workflow { WorkflowIdOrName: "fleet-teardown" });
    }
}
