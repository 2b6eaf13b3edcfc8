using Outpost.Provisioner.Environment;
using Outpost.Provisioner.Local;
using Outpost.Provisioner.Templates;
using Outpost.Provisioner.Tests.Templates;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Local;

public sealed class LocalPlanTests
{
    private const string Workspace = "/var/lib/outpost/workspaces/7c9e6679-7425-40de-944b-e07fc1f90ae7";

    private static readonly HostPlatform Host = new("linux", "arm64");

    private static readonly TemplateDefinition TwoAgents = TemplateParserTests.ParseOk("""
        parameters:
          - name: greeting
            default: hi
        agents:
          - name: main
            directory: src/app
            env:
              EDITOR: vim
            startup_script: echo start
            startup_script_timeout: 30s
            shutdown_script: echo stop
            shutdown_script_timeout: 10s
            apps:
              - slug: web
                url: http://localhost:8080
          - name: side
            os: darwin
            directory: ~/side
        env:
          - agent: main
            name: PATH
            value: /opt/bin
            merge_strategy: append
          - agent: side
            name: ONLY_SIDE
            value: "1"
          - agent: main
            name: PATH
            value: /first
            merge_strategy: prepend
        """);

    private static LocalWorkspacePlan PlanOk(WorkspaceTransition transition, TemplateDefinition? template = null)
    {
        var result = LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template ?? TwoAgents,
            Parameters = [new ResolvedParameter("greeting", "hello there", ParameterSource.User)],
            Transition = transition,
            WorkspaceDirectory = Workspace + "/",
            Host = Host,
        });
        Assert.True(result.Succeeded, result.Error);
        return result.Plan!;
    }

    [Fact]
    public void Start_creates_the_directory_and_one_agent_process_per_agent()
    {
        var plan = PlanOk(WorkspaceTransition.Start);

        Assert.Equal(
            [
                ("local_workspace_directory", "workspace", ResourceChange.Create),
                ("local_agent_process", "main", ResourceChange.Create),
                ("local_agent_process", "side", ResourceChange.Create),
            ],
            plan.Resources.Select(resource => (resource.Type, resource.Name, resource.Change)));
        Assert.Equal(Workspace, plan.Resources[0].Attributes["path"]);
        Assert.Equal(Workspace, plan.WorkspaceDirectory);
        Assert.Equal(3, plan.ReportedResources.Count());
        Assert.False(plan.RemoveWorkspaceDirectory);
    }

    [Fact]
    public void Start_reports_each_agent_with_its_directory_platform_scripts_and_apps()
    {
        var plan = PlanOk(WorkspaceTransition.Start);

        var main = plan.Agents[0];
        Assert.Equal("main", main.Name);
        Assert.Equal("main", main.ResourceName);
        Assert.Equal(Workspace + "/src/app", main.Directory);
        Assert.Equal(("linux", "arm64"), (main.Os, main.Architecture));
        Assert.Equal(
            [("startup", "echo start", TimeSpan.FromSeconds(30), true, false), ("shutdown", "echo stop", TimeSpan.FromSeconds(10), false, true)],
            main.Scripts.Select(script => (script.Name, script.Script, script.Timeout, script.RunOnStart, script.RunOnStop)));
        Assert.Equal([new PlannedApp("web", "web", "http://localhost:8080")], main.Apps);

        var side = plan.Agents[1];
        Assert.Equal("~/side", side.Directory);
        Assert.Equal("darwin", side.Os);
        Assert.Empty(side.Scripts);
    }

    [Fact]
    public void Each_agent_gets_only_its_own_extra_envs_merged_in_declaration_order_under_its_own_env()
    {
        var plan = PlanOk(WorkspaceTransition.Start);

        var main = plan.Agents[0];
        Assert.Equal([new ExtraEnv("PATH", "/opt/bin", "append"), new ExtraEnv("PATH", "/first", "prepend")], main.ExtraEnvs);
        Assert.Equal(
            new Dictionary<string, string> { ["EDITOR"] = "vim", ["PATH"] = "/first:/opt/bin" },
            main.EnvironmentVariables);
        Assert.Equal(new Dictionary<string, string> { ["ONLY_SIDE"] = "1" }, plan.Agents[1].EnvironmentVariables);
    }

    [Fact]
    public void An_agent_with_no_env_reports_null_rather_than_an_empty_map()
    {
        var plan = PlanOk(WorkspaceTransition.Start, TemplateParserTests.ParseOk("agents:\n  - name: main\n"));

        Assert.Null(Assert.Single(plan.Agents).EnvironmentVariables);
    }

    [Fact]
    public void Agent_processes_carry_the_parameters_as_environment_and_run_in_the_workspace_directory()
    {
        var plan = PlanOk(WorkspaceTransition.Start);

        var process = plan.Processes[0];
        Assert.Equal("main", process.AgentName);
        Assert.Equal(Workspace, process.WorkingDirectory);
        Assert.Equal(new Dictionary<string, string> { ["OUTPOST_PARAM_GREETING"] = "hello there" }, process.Environment);
        Assert.Equal(TimeSpan.FromSeconds(10), process.ShutdownTimeout);
    }

    [Fact]
    public void Start_creates_the_workspace_directory_and_agent_directories_inside_it_but_not_others()
    {
        var plan = PlanOk(WorkspaceTransition.Start);

        Assert.Equal([Workspace, Workspace + "/src/app"], plan.DirectoriesToCreate);
    }

    [Fact]
    public void An_agent_without_a_directory_works_in_the_workspace_directory_and_absolute_ones_are_kept()
    {
        var template = TemplateParserTests.ParseOk("agents:\n  - name: a\n  - name: b\n    directory: /srv/code/\n");

        var plan = PlanOk(WorkspaceTransition.Start, template);

        Assert.Equal([Workspace, "/srv/code"], plan.Agents.Select(agent => agent.Directory));
        Assert.Equal([Workspace], plan.DirectoriesToCreate);
    }

    [Fact]
    public void Stop_keeps_the_directory_ends_the_processes_and_reports_no_agents()
    {
        var plan = PlanOk(WorkspaceTransition.Stop);

        Assert.Equal(
            [ResourceChange.Keep, ResourceChange.Destroy, ResourceChange.Destroy],
            plan.Resources.Select(resource => resource.Change));
        Assert.Equal(["workspace"], plan.ReportedResources.Select(resource => resource.Name));
        Assert.Empty(plan.Agents);
        Assert.Equal(["main", "side"], plan.Processes.Select(process => process.AgentName));
        Assert.Empty(plan.DirectoriesToCreate);
        Assert.False(plan.RemoveWorkspaceDirectory);
    }

    [Fact]
    public void Delete_destroys_everything_and_removes_the_directory()
    {
        var plan = PlanOk(WorkspaceTransition.Delete);

        Assert.All(plan.Resources, resource => Assert.Equal(ResourceChange.Destroy, resource.Change));
        Assert.Empty(plan.ReportedResources);
        Assert.Empty(plan.Agents);
        Assert.True(plan.RemoveWorkspaceDirectory);
    }

    [Fact]
    public void A_merge_error_fails_a_start_build_with_a_message_naming_the_variable()
    {
        var template = TemplateParserTests.ParseOk("""
            agents:
              - name: main
            env:
              - name: TOKEN
                value: a
              - name: TOKEN
                value: b
                merge_strategy: error
            """);

        var result = LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template,
            Parameters = [],
            Transition = WorkspaceTransition.Start,
            WorkspaceDirectory = Workspace,
        });

        Assert.False(result.Succeeded);
        Assert.Equal(
            "agent \"main\": duplicate env var \"TOKEN\": merge_strategy is \"error\" but variable is already defined",
            result.Error);
    }

    [Theory]
    [InlineData("stop")]
    [InlineData("delete")]
    public void A_merge_error_does_not_block_stopping_or_deleting(string transition)
    {
        var template = TemplateParserTests.ParseOk("agents:\n  - name: main\nenv:\n  - {name: A, value: x}\n  - {name: A, value: y, merge_strategy: error}\n");

        Assert.True(LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template,
            Parameters = [],
            Transition = Enum.Parse<WorkspaceTransition>(transition, ignoreCase: true),
            WorkspaceDirectory = Workspace,
        }).Succeeded);
    }

    [Fact]
    public void A_relative_workspace_directory_is_a_programming_error() =>
        Assert.Throws<ArgumentException>(() => LocalPlan.Plan(new LocalPlanRequest
        {
            Template = TwoAgents,
            Parameters = [],
            Transition = WorkspaceTransition.Start,
            WorkspaceDirectory = "relative/dir",
        }));

    [Fact]
    public void The_workspace_directory_lives_under_the_data_directory_by_workspace_id()
    {
        var id = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

        Assert.Equal(Workspace, LocalPlan.WorkspaceDirectoryFor("/var/lib/outpost/", id));
    }

    [Fact]
    public void Parameter_variables_are_the_uppercased_parameter_name_with_the_prefix() =>
        Assert.Equal("OUTPOST_PARAM_MY_SIZE_2", LocalPlan.ParameterVariable("my_size_2"));
}
