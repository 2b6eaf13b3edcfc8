using Outpost.Sdk.Provisioning;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// coder-spec §6: a workspace's status is a function of its latest build's job status and
/// transition. The job status itself is the generated column <c>provisioner_jobs.job_status</c>.
/// </summary>
internal static class WorkspaceStatusRules
{
    public static WorkspaceStatus Derive(ProvisionerJobStatus job, WorkspaceTransition transition) => (job, transition) switch
    {
        (ProvisionerJobStatus.Pending, _) => WorkspaceStatus.Pending,
        (ProvisionerJobStatus.Running, WorkspaceTransition.Start) => WorkspaceStatus.Starting,
        (ProvisionerJobStatus.Running, WorkspaceTransition.Stop) => WorkspaceStatus.Stopping,
        (ProvisionerJobStatus.Running, WorkspaceTransition.Delete) => WorkspaceStatus.Deleting,
        (ProvisionerJobStatus.Succeeded, WorkspaceTransition.Start) => WorkspaceStatus.Running,
        (ProvisionerJobStatus.Succeeded, WorkspaceTransition.Stop) => WorkspaceStatus.Stopped,
        (ProvisionerJobStatus.Succeeded, WorkspaceTransition.Delete) => WorkspaceStatus.Deleted,
        (ProvisionerJobStatus.Canceling, _) => WorkspaceStatus.Canceling,
        (ProvisionerJobStatus.Canceled, _) => WorkspaceStatus.Canceled,
        // Failed, and anything unmatched, as upstream.
        _ => WorkspaceStatus.Failed,
    };

    /// <summary>True while a build's job may still change the workspace, so no second build may start.</summary>
    public static bool IsActive(ProvisionerJobStatus job) =>
        job is ProvisionerJobStatus.Pending or ProvisionerJobStatus.Running or ProvisionerJobStatus.Canceling;

    /// <summary>
    /// Every "job_status:transition" pair that derives <paramref name="status"/>: how the list endpoint
    /// filters by status in SQL without a second copy of the table.
    /// </summary>
    public static string[] PairsFor(WorkspaceStatus status) =>
    [
        .. from job in Enum.GetValues<ProvisionerJobStatus>()
           from transition in Enum.GetValues<WorkspaceTransition>()
           where Derive(job, transition) == status
           select $"{WireEnum<ProvisionerJobStatus>.Name(job)}:{WireEnum<WorkspaceTransition>.Name(transition)}",
    ];
}
