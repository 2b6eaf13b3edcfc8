using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;

namespace Outpost.Server.Tasks;

/// <summary>What a task's status is derived from: the workspace's latest build and the agent's last report.</summary>
internal sealed record TaskStatusInputs(
    WorkspaceTransition Transition,
    ProvisionerJobStatus JobStatus,
    string? JobError,
    int BuildNumber,
    AiTaskStatus? AgentStatus,
    string? AgentReason,
    int? AgentBuildNumber);

/// <summary>
/// A task's status follows its workspace's latest build first (a failed build fails the task, a
/// stopped or deleted workspace stops it), then its agent's last report — but only a report made
/// during that build, so a restarted workspace is initializing until its agent reports again.
/// </summary>
internal static class TaskStatusRules
{
    public static (AiTaskStatus Status, string? Reason) Derive(TaskStatusInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var failed = $"the workspace's {Name(inputs.Transition)} build failed: {inputs.JobError}";
        switch (inputs.Transition)
        {
            case WorkspaceTransition.Delete:
                return inputs.JobStatus == ProvisionerJobStatus.Failed
                    ? (AiTaskStatus.Failed, failed)
                    : (AiTaskStatus.Stopped, "the workspace is being deleted");
            case WorkspaceTransition.Stop:
                return inputs.JobStatus == ProvisionerJobStatus.Failed
                    ? (AiTaskStatus.Failed, failed)
                    : (AiTaskStatus.Stopped, "the workspace was stopped");
        }

        return inputs.JobStatus switch
        {
            ProvisionerJobStatus.Pending => (AiTaskStatus.Pending, "the workspace build is queued"),
            ProvisionerJobStatus.Running => (AiTaskStatus.Initializing, "the workspace is building"),
            ProvisionerJobStatus.Canceling or ProvisionerJobStatus.Canceled => (AiTaskStatus.Stopped, "the workspace build was canceled"),
            ProvisionerJobStatus.Failed => (AiTaskStatus.Failed, failed),
            _ when inputs.AgentStatus is { } reported && inputs.AgentBuildNumber == inputs.BuildNumber => (reported, inputs.AgentReason),
            _ => (AiTaskStatus.Initializing, "waiting for the task agent to start"),
        };
    }

    /// <summary>The statuses an agent may report (the others follow the build).</summary>
    public static bool IsReportable(AiTaskStatus status) =>
        status is AiTaskStatus.Working or AiTaskStatus.Idle or AiTaskStatus.Completed or AiTaskStatus.Failed or AiTaskStatus.Stopped;

    private static string Name(WorkspaceTransition transition) => transition switch
    {
        WorkspaceTransition.Start => "start",
        WorkspaceTransition.Stop => "stop",
        _ => "delete",
    };
}
