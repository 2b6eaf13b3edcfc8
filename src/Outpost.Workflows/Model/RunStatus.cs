namespace Outpost.Workflows.Model;

/// <summary>The status of a run, a job or a step (spec §10); conditions in <c>dependsOn</c> test it.</summary>
internal enum RunStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}
