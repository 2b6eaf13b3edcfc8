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
          model_url: https://models.example.com/v1
          model: coder-large
          api_key_env: MODEL_KEY
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
        Assert.Equal("coder", TaskTemplate.Task!.Agent);
        Assert.Null(TemplateParserTests.ParseOk("agents:\n  - name: main\n").Task);
    }

    [Fact]
    public void The_example_in_the_tasks_docs_parses()
    {
        var docs = File.ReadAllText(RepositoryRoot.Combine("docs", "tasks.md"));
        var start = docs.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var template = TemplateParserTests.ParseOk(docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)]);

        Assert.Equal(("main", "OPENAI_API_KEY"), (template.Task!.Agent, template.Task.ApiKeyEnv));
    }

    [Fact]
    public void With_one_agent_the_task_block_may_leave_the_agent_out()
    {
        Assert.Equal("main", TemplateParserTests.ParseOk("agents:\n  - name: main\ntask: {}\n").Task!.Agent);
    }

    [Fact]
    public void A_task_block_naming_an_unknown_agent_is_refused_with_a_suggestion()
    {
        var error = Assert.Single(TemplateParserTests.ParseErrors("agents:\n  - name: coder\n  - name: main\ntask:\n  agent: codr\n"));
        Assert.Contains("\"task\" names agent \"codr\"", error, StringComparison.Ordinal);
        Assert.Contains("coder", error[error.IndexOf("declare", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_model_settings_are_refused_naming_the_key()
    {
        var errors = TemplateParserTests.ParseErrors("agents:\n  - name: main\ntask:\n  model_url: api.example.com\n  api_key_env: OUTPOST_KEY\n");

        Assert.Contains(errors, e => e.Contains("\"model_url\" of \"task\" must be an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("\"OUTPOST_KEY\" in \"api_key_env\" of \"task\" is reserved", StringComparison.Ordinal));
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
        Assert.Equal(("https://models.example.com/v1", "coder-large", "MODEL_KEY"),
            (coder.Env[TaskApi.ModelUrlVariable], coder.Env[TaskApi.ModelVariable], coder.Env[TaskApi.ApiKeyVariableVariable]));
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
