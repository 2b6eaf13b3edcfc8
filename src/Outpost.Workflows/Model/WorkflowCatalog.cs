namespace Outpost.Workflows.Model;

/// <summary>The workflows a run or a validation can see, found by name first and then by id (spec §10.1).</summary>
internal sealed class WorkflowCatalog(IReadOnlyList<WorkflowDefinition> workflows)
{
    public IEnumerable<string> Names => workflows.Select(workflow => workflow.Name);

    public WorkflowDefinition? Find(string nameOrId) =>
        workflows.FirstOrDefault(workflow => workflow.Name == nameOrId)
        ?? (Guid.TryParse(nameOrId, out var id) ? workflows.FirstOrDefault(workflow => workflow.Id == id) : null);

    /// <summary>A chain of nested workflow tasks from <paramref name="start"/> back to a workflow already on it, by name; null when there is none.</summary>
    public List<string>? FindCycle(WorkflowDefinition start)
    {
        var path = new List<string>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        return Walk(start, path, done);
    }

    private List<string>? Walk(WorkflowDefinition workflow, List<string> path, HashSet<string> done)
    {
        if (path.Contains(workflow.Name))
        {
            return [.. path.Skip(path.IndexOf(workflow.Name)), workflow.Name];
        }

        if (done.Contains(workflow.Name))
        {
            return null;
        }

        path.Add(workflow.Name);
        foreach (var nested in workflow.Jobs.SelectMany(job => job.Steps).Select(step => step.Task).OfType<StepTask.Workflow>())
        {
            if (Find(nested.WorkflowIdOrName) is { } target && Walk(target, path, done) is { } cycle)
            {
                return cycle;
            }
        }

        path.RemoveAt(path.Count - 1);
        done.Add(workflow.Name);
        return null;
    }
}
