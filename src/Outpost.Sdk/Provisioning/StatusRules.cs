using Outpost.Sdk.Workspaces;

namespace Outpost.Sdk.Provisioning;

/// <summary>
/// The rules every part of Outpost applies to job and workspace (build) statuses: which are still
/// moving, which are final, and how a workspace's status follows from its latest build (coder-spec §6).
/// </summary>
public static class StatusRules
{
    /// <summary>True while a job may still change its workspace or template version, so no second build may start.</summary>
    /// <param name="status">The job's status.</param>
    /// <returns>Whether it is pending, running or canceling.</returns>
    public static bool IsActive(this ProvisionerJobStatus status) =>
        status is ProvisionerJobStatus.Pending or ProvisionerJobStatus.Running or ProvisionerJobStatus.Canceling;

    /// <summary>True once a job has completed and will not change again.</summary>
    /// <param name="status">The job's status.</param>
    /// <returns>Whether it succeeded, failed or was canceled.</returns>
    public static bool IsTerminal(this ProvisionerJobStatus status) =>
        status is ProvisionerJobStatus.Succeeded or ProvisionerJobStatus.Failed or ProvisionerJobStatus.Canceled;

    /// <summary>True while the workspace's latest build is still moving (the statuses of an active job).</summary>
    /// <param name="status">The workspace's (or a build's) status.</param>
    /// <returns>Whether it is pending, starting, stopping, deleting or canceling.</returns>
    public static bool IsActive(this WorkspaceStatus status) =>
        status is WorkspaceStatus.Pending or WorkspaceStatus.Starting or WorkspaceStatus.Stopping
            or WorkspaceStatus.Deleting or WorkspaceStatus.Canceling;

    /// <summary>True once the workspace's latest build has completed.</summary>
    /// <param name="status">The workspace's (or a build's) status.</param>
    /// <returns>Whether it is running, stopped, deleted, failed or canceled.</returns>
    public static bool IsTerminal(this WorkspaceStatus status) => !status.IsActive();

    /// <summary>A workspace's status from its latest build's job status and transition (coder-spec §6).</summary>
    /// <param name="job">The latest build's job status.</param>
    /// <param name="transition">The latest build's transition.</param>
    /// <returns>The workspace's status.</returns>
    public static WorkspaceStatus WorkspaceStatusOf(ProvisionerJobStatus job, WorkspaceTransition transition) => (job, transition) switch
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

    /// <summary>How far a job has come: pending, then running, then canceling, then completed. A job never goes back.</summary>
    /// <param name="status">The job's status.</param>
    /// <returns>0 for pending up to 3 for a terminal status.</returns>
    public static int Progress(this ProvisionerJobStatus status) => status switch
    {
        ProvisionerJobStatus.Pending => 0,
        ProvisionerJobStatus.Running => 1,
        ProvisionerJobStatus.Canceling => 2,
        _ => 3,
    };

    /// <summary>
    /// True when <paramref name="candidate"/> is an older observation than <paramref name="seen"/>: an earlier build, or
    /// the same build at an earlier point of its job. Reads answered at different moments (a request's answer, a watch's
    /// snapshot) can arrive out of order; a reader that drops the stale one never shows a build going back.
    /// </summary>
    /// <param name="candidate">The build just read.</param>
    /// <param name="seen">The furthest build already observed.</param>
    /// <returns>Whether the candidate is behind what was seen.</returns>
    public static bool IsBehind(this WorkspaceBuild candidate, WorkspaceBuild seen)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(seen);
        return candidate.BuildNumber < seen.BuildNumber
            || (candidate.BuildNumber == seen.BuildNumber && candidate.Job.Status.Progress() < seen.Job.Status.Progress());
    }
}
