using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Server.Tasks;

namespace Outpost.Server.Tests.Tasks;

/// <summary>A task's status from its workspace's latest build and its agent's last report (docs/tasks.md's table).</summary>
public sealed class TaskStatusRulesTests
{
    [Theory]
    [InlineData(WorkspaceTransition.Start, ProvisionerJobStatus.Pending, AiTaskStatus.Pending)]
    [InlineData(WorkspaceTransition.Start, ProvisionerJobStatus.Running, AiTaskStatus.Initializing)]
    [InlineData(WorkspaceTransition.Start, ProvisionerJobStatus.Succeeded, AiTaskStatus.Initializing)]
    [InlineData(WorkspaceTransition.Start, ProvisionerJobStatus.Canceling, AiTaskStatus.Stopped)]
    [InlineData(WorkspaceTransition.Start, ProvisionerJobStatus.Canceled, AiTaskStatus.Stopped)]
    [InlineData(WorkspaceTransition.Start, ProvisionerJobStatus.Failed, AiTaskStatus.Failed)]
    [InlineData(WorkspaceTransition.Stop, ProvisionerJobStatus.Running, AiTaskStatus.Stopped)]
    [InlineData(WorkspaceTransition.Stop, ProvisionerJobStatus.Succeeded, AiTaskStatus.Stopped)]
    [InlineData(WorkspaceTransition.Stop, ProvisionerJobStatus.Failed, AiTaskStatus.Failed)]
    [InlineData(WorkspaceTransition.Delete, ProvisionerJobStatus.Pending, AiTaskStatus.Stopped)]
    [InlineData(WorkspaceTransition.Delete, ProvisionerJobStatus.Failed, AiTaskStatus.Failed)]
    public void Without_a_report_the_build_decides(WorkspaceTransition transition, ProvisionerJobStatus job, AiTaskStatus expected)
    {
        var (status, reason) = TaskStatusRules.Derive(new TaskStatusInputs(transition, job, "boom", 2, null, null, null));

        Assert.Equal(expected, status);
        Assert.NotNull(reason);
        if (expected == AiTaskStatus.Failed)
        {
            Assert.EndsWith("failed: boom", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_report_counts_only_for_the_build_whose_agent_made_it_and_only_once_that_build_succeeded()
    {
        TaskStatusInputs Inputs(ProvisionerJobStatus job, int agentBuild) =>
            new(WorkspaceTransition.Start, job, null, 3, AiTaskStatus.Working, "editing", agentBuild);

        Assert.Equal((AiTaskStatus.Working, "editing"), TaskStatusRules.Derive(Inputs(ProvisionerJobStatus.Succeeded, 3)));
        Assert.Equal(AiTaskStatus.Initializing, TaskStatusRules.Derive(Inputs(ProvisionerJobStatus.Succeeded, 2)).Status);
        Assert.Equal(AiTaskStatus.Initializing, TaskStatusRules.Derive(Inputs(ProvisionerJobStatus.Running, 3)).Status);
        Assert.Equal(AiTaskStatus.Stopped, TaskStatusRules.Derive(Inputs(ProvisionerJobStatus.Succeeded, 3) with { Transition = WorkspaceTransition.Stop }).Status);
    }

    [Fact]
    public void Agents_report_only_the_statuses_that_do_not_follow_the_build()
    {
        Assert.Equal(
            [AiTaskStatus.Working, AiTaskStatus.Idle, AiTaskStatus.Completed, AiTaskStatus.Failed, AiTaskStatus.Stopped],
            Enum.GetValues<AiTaskStatus>().Where(TaskStatusRules.IsReportable));
    }

    [Theory]
    [InlineData("Fix the login bug", "task-fix-the-login-bug-")]
    [InlineData("  ¡Olé! 42 things   ", "task-ol-42-things-")]
    [InlineData("日本語", "task-")]
    public void Workspace_names_come_from_the_prompt_and_are_valid(string prompt, string start)
    {
        var name = TaskService.NameFor(prompt, Guid.CreateVersion7());

        Assert.StartsWith(start, name, StringComparison.Ordinal);
        Assert.Null(Outpost.Sdk.NameRules.Check(name, Outpost.Sdk.NameRules.MaxWorkspaceName, "workspace"));
    }
}
