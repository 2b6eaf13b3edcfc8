using Outpost.Sdk.Provisioning;
using static Outpost.Sdk.Provisioning.ProvisionerJobStatus;
using static Outpost.Sdk.Provisioning.WorkspaceTransition;

namespace Outpost.Sdk.Tests.Provisioning;

public sealed class StatusRulesTests
{
    public static TheoryData<ProvisionerJobStatus, WorkspaceTransition, WorkspaceStatus> Table => new()
    {
        { Pending, Start, WorkspaceStatus.Pending }, { Pending, Stop, WorkspaceStatus.Pending }, { Pending, Delete, WorkspaceStatus.Pending },
        { Running, Start, WorkspaceStatus.Starting }, { Running, Stop, WorkspaceStatus.Stopping }, { Running, Delete, WorkspaceStatus.Deleting },
        { Succeeded, Start, WorkspaceStatus.Running }, { Succeeded, Stop, WorkspaceStatus.Stopped }, { Succeeded, Delete, WorkspaceStatus.Deleted },
        { Canceling, Start, WorkspaceStatus.Canceling }, { Canceling, Stop, WorkspaceStatus.Canceling }, { Canceling, Delete, WorkspaceStatus.Canceling },
        { Canceled, Start, WorkspaceStatus.Canceled }, { Canceled, Stop, WorkspaceStatus.Canceled }, { Canceled, Delete, WorkspaceStatus.Canceled },
        { Failed, Start, WorkspaceStatus.Failed }, { Failed, Stop, WorkspaceStatus.Failed }, { Failed, Delete, WorkspaceStatus.Failed },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Workspace_status_follows_the_spec_table(ProvisionerJobStatus job, WorkspaceTransition transition, WorkspaceStatus expected) =>
        Assert.Equal(expected, StatusRules.WorkspaceStatusOf(job, transition));

    [Fact]
    public void The_table_covers_every_combination() =>
        Assert.Equal(Enum.GetValues<ProvisionerJobStatus>().Length * Enum.GetValues<WorkspaceTransition>().Length, Table.Count);

    [Fact]
    public void Unmatched_values_fall_back_to_failed() =>
        Assert.Equal(WorkspaceStatus.Failed, StatusRules.WorkspaceStatusOf((ProvisionerJobStatus)99, Start));

    [Theory]
    [InlineData(Pending, true)]
    [InlineData(Running, true)]
    [InlineData(Canceling, true)]
    [InlineData(Succeeded, false)]
    [InlineData(Canceled, false)]
    [InlineData(Failed, false)]
    public void Pending_running_and_canceling_builds_block_another_build(ProvisionerJobStatus job, bool active) =>
        Assert.Equal(active, job.IsActive());

    [Theory]
    [InlineData(Pending, false)]
    [InlineData(Running, false)]
    [InlineData(Canceling, false)]
    [InlineData(Succeeded, true)]
    [InlineData(Canceled, true)]
    [InlineData(Failed, true)]
    public void Succeeded_failed_and_canceled_jobs_are_terminal(ProvisionerJobStatus job, bool terminal) =>
        Assert.Equal(terminal, job.IsTerminal());

    [Fact]
    public void A_workspace_status_is_active_exactly_when_some_active_job_derives_it()
    {
        foreach (var status in Enum.GetValues<WorkspaceStatus>())
        {
            var fromActiveJob = Enum.GetValues<ProvisionerJobStatus>().Where(job => job.IsActive())
                .Any(job => Enum.GetValues<WorkspaceTransition>().Any(transition => StatusRules.WorkspaceStatusOf(job, transition) == status));
            Assert.Equal(fromActiveJob, status.IsActive());
            Assert.Equal(!fromActiveJob, status.IsTerminal());
        }
}
}
