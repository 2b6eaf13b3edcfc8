using Outpost.Sdk;
using Outpost.Sdk.Provisioning;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// coder-spec §6 as SQL needs it: the rule itself is <see cref="StatusRules.WorkspaceStatusOf"/>; the job
/// status is the generated column <c>provisioner_jobs.job_status</c>.
/// </summary>
internal static class WorkspaceStatusRules
{
    /// <summary>
    /// Every "job_status:transition" pair that derives <paramref name="status"/>: how the list endpoint
    /// filters by status in SQL without a second copy of the table.
    /// </summary>
    public static string[] PairsFor(WorkspaceStatus status) =>
    [
        .. from job in Enum.GetValues<ProvisionerJobStatus>()
           from transition in Enum.GetValues<WorkspaceTransition>()
           where StatusRules.WorkspaceStatusOf(job, transition) == status
           select $"{WireName<ProvisionerJobStatus>.Name(job)}:{WireName<WorkspaceTransition>.Name(transition)}",
    ];
}
