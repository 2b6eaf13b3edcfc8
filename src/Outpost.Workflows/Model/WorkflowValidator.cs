namespace Outpost.Workflows.Model;

/// <summary>
/// <c>workflow validate</c> beyond the schema (spec §9.7): unique job names, unique step names per
/// job, <c>dependsOn</c> references that exist, no job cycles and no step cycles (naming the path),
/// and, across a set of workflows, nested workflow references that exist and do not form a cycle.
/// </summary>
internal static class WorkflowValidator
{
    public static List<WorkflowError> Validate(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var errors = new List<WorkflowError>();
        void Error(int line, string path, string message) => errors.Add(new WorkflowError(workflow.File, line, 1, path, message));

        var jobNames = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < workflow.Jobs.Count; j++)
        {
            var job = workflow.Jobs[j];
            if (!jobNames.Add(job.Name))
            {
                Error(job.Line, $"jobs[{j}].name", $"job \"{job.Name}\" is defined more than once; job names are unique in a workflow");
            }

            var stepNames = new HashSet<string>(StringComparer.Ordinal);
            for (var s = 0; s < job.Steps.Count; s++)
            {
                var step = job.Steps[s];
                if (!stepNames.Add(step.Name))
                {
                    Error(step.Line, $"jobs[{j}].steps[{s}].name", $"step \"{step.Name}\" is defined more than once in job \"{job.Name}\"; step names are unique in a job");
                }
            }

            for (var s = 0; s < job.Steps.Count; s++)
            {
                foreach (var (dependency, d) in job.Steps[s].DependsOn.Select((dependency, d) => (dependency, d)))
                {
                    if (!stepNames.Contains(dependency.Name))
                    {
                        Error(job.Steps[s].Line, $"jobs[{j}].steps[{s}].dependsOn[{d}].step", $"no step \"{dependency.Name}\" in job \"{job.Name}\"{Known(stepNames)}");
                    }
                }
            }

            var (_, stepCycle) = Dag.Levels([.. job.Steps.Select(step => (step.Name, step.Weight, (IReadOnlyList<string>)[.. step.DependsOn.Select(d => d.Name)]))]);
            if (stepCycle is not null)
            {
                Error(job.Line, $"jobs[{j}].steps", Dag.CycleMessage(stepCycle));
            }
        }

        for (var j = 0; j < workflow.Jobs.Count; j++)
        {
            foreach (var (dependency, d) in workflow.Jobs[j].DependsOn.Select((dependency, d) => (dependency, d)))
            {
                if (!jobNames.Contains(dependency.Name))
                {
                    Error(workflow.Jobs[j].Line, $"jobs[{j}].dependsOn[{d}].job", $"no job \"{dependency.Name}\" in the workflow{Known(jobNames)}");
                }
            }
        }

        var (_, jobCycle) = Dag.Levels([.. workflow.Jobs.Select(job => (job.Name, job.Weight, (IReadOnlyList<string>)[.. job.DependsOn.Select(d => d.Name)]))]);
        if (jobCycle is not null)
        {
            Error(1, "jobs", Dag.CycleMessage(jobCycle));
        }

        return errors;
    }

    /// <summary>
    /// Nested workflow references across <paramref name="workflows"/>: each <c>type: workflow</c>
    /// task names a known workflow (by name or id), and no chain of them leads back to where it
    /// started (<c>Workflow cycle detected: a -> b -> a</c>).
    /// </summary>
    public static List<WorkflowError> ValidateReferences(IReadOnlyList<WorkflowDefinition> workflows)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        var errors = new List<WorkflowError>();
        var catalog = new WorkflowCatalog(workflows);
        foreach (var workflow in workflows)
        {
            foreach (var (job, j) in workflow.Jobs.Select((job, j) => (job, j)))
            {
                foreach (var (step, s) in job.Steps.Select((step, s) => (step, s)))
                {
                    if (step.Task is StepTask.Workflow nested && catalog.Find(nested.WorkflowIdOrName) is null)
                    {
                        errors.Add(new WorkflowError(workflow.File, step.Line, 1, $"jobs[{j}].steps[{s}].task.workflowIdOrName",
                            $"no workflow \"{nested.WorkflowIdOrName}\"{Known(catalog.Names)}"));
                    }
                }
            }
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var workflow in workflows.OrderBy(w => w.Name, StringComparer.Ordinal))
        {
            if (catalog.FindCycle(workflow) is { } cycle && reported.Add(string.Join("|", cycle.Skip(1).Order(StringComparer.Ordinal))))
            {
                errors.Add(new WorkflowError(workflow.File, 1, 1, "jobs", $"Workflow cycle detected: {string.Join(" -> ", cycle)}. A workflow cannot invoke itself directly or indirectly."));
            }
        }

        return errors;
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? string.Empty : $"; known: {string.Join(", ", list)}";
    }
}
