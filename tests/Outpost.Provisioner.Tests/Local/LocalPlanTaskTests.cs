using Outpost.Provisioner.Local;
using Outpost.Provisioner.Templates;
using Outpost.Provisioner.Tests.Templates;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;

namespace Outpost.Provisioner.Tests.Local;

/// <summary>The template's task agent (docs/tasks.md): declared with <c>task:</c>, given the task id by a task workspace's build.</summary>
public sealed class LocalPlanTaskTests
{
    private const string Workspace = "/var/lib/outpost/workspaces/7c9e6679-7425-40de-944b-e07fc1f90ae7";

    private static readonly TemplateDefinition TaskTemplate = TemplateParserTests.ParseOk("""
        agents:
          - name: main
            env:
              EDITOR: vi
          - name: coder
        task:
          agent: coder
        """);

    private static LocalWorkspacePlan Plan(TemplateDefinition template, WorkspaceTransition transition, Guid? taskId)
    {
        var result = LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template,
            Parameters = [],
            Transition = transition,
            WorkspaceDirectory = Workspace,
            Host = new HostPlatform("linux", "amd64"),
            TaskId = taskId,
        });
        Assert.True(result.Succeeded, result.Error);
        return result.Plan!;
    }

    [Fact]
    public void The_task_block_names_the_task_agent()
    {
        Assert.Equal("coder", TaskTemplate.TaskAgent);
        Assert.Null(TemplateParserTests.ParseOk("agents:\n  - name: main\n").TaskAgent);
    }

    [Fact]
    public void With_one_agent_the_task_block_may_leave_the_agent_out()
    {
        Assert.Equal("main", TemplateParserTests.ParseOk("agents:\n  - name: main\ntask: {}\n").TaskAgent);
    }

    [Fact]
    public void A_task_block_naming_an_unknown_agent_is_refused_with_a_suggestion()
    {
        var error = Assert.Single(TemplateParserTests.ParseErrors("agents:\n  - name: coder\n  - name: main\ntask:\n  agent: codr\n"));
        Assert.Contains("\"task\" names agent \"codr\"", error, StringComparison.Ordinal);
        Assert.Contains("coder", error[error.IndexOf("declare", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void With_several_agents_the_task_block_must_name_one()
    {
        var error = Assert.Single(TemplateParserTests.ParseErrors("agents:\n  - name: coder\n  - name: main\ntask: {}\n"));
        Assert.Contains("needs an \"agent\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_task_workspace_gives_only_the_task_agent_the_task_id()
    {
        var taskId = Guid.NewGuid();
        var plan = Plan(TaskTemplate, WorkspaceTransition.Start, taskId);

        var coder = plan.Agents.Single(a => a.Name == "coder");
        Assert.Equal(taskId.ToString("D"), coder.Env[TaskApi.AgentTaskIdVariable]);
        Assert.Equal(taskId.ToString("D"), coder.EnvironmentVariables![TaskApi.AgentTaskIdVariable]);
        var main = plan.Agents.Single(a => a.Name == "main");
        Assert.False(main.Env.ContainsKey(TaskApi.AgentTaskIdVariable));
        Assert.False(main.EnvironmentVariables!.ContainsKey(TaskApi.AgentTaskIdVariable));
    }

    [Fact]
    public void A_workspace_without_a_task_sets_no_task_id_but_still_reports_the_task_resource()
    {
        var plan = Plan(TaskTemplate, WorkspaceTransition.Start, taskId: null);

        Assert.All(plan.Agents, agent => Assert.False(agent.Env.ContainsKey(TaskApi.AgentTaskIdVariable)));
        var task = Assert.Single(plan.ReportedResources, r => r.Type == PlannedResource.AiTaskType);
        Assert.Equal("coder", task.Attributes["agent"]);
    }

    [Fact]
    public void A_template_without_a_task_block_reports_no_task_resource()
    {
        var plain = TemplateParserTests.ParseOk("agents:\n  - name: main\n");

        Assert.DoesNotContain(Plan(plain, WorkspaceTransition.Start, Guid.NewGuid()).ReportedResources, r => r.Type == PlannedResource.AiTaskType);
    }

    [Fact]
    public void Stop_and_delete_report_no_task_resource()
    {
        Assert.DoesNotContain(Plan(TaskTemplate, WorkspaceTransition.Stop, Guid.NewGuid()).ReportedResources, r => r.Type == PlannedResource.AiTaskType);
        Assert.DoesNotContain(Plan(TaskTemplate, WorkspaceTransition.Delete, Guid.NewGuid()).ReportedResources, r => r.Type == PlannedResource.AiTaskType);
    }
}
