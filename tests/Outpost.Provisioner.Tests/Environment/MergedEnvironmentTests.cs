using Outpost.Provisioner.Environment;

namespace Outpost.Provisioner.Tests.Environment;

public sealed class MergedEnvironmentTests
{
    [Fact]
    public void An_agent_with_no_env_at_all_gets_null_rather_than_an_empty_map()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment([], null);

        Assert.True(result.Succeeded);
        Assert.Null(result.Variables);
    }

    [Fact]
    public void An_empty_agent_env_with_no_extras_is_also_null()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment([], new Dictionary<string, string>());

        Assert.Null(result.Variables);
    }

    [Fact]
    public void Extra_envs_start_from_an_empty_map_so_append_gives_just_the_value()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment([new ExtraEnv("PATH", "/opt/bin", "append")], null);

        Assert.Equal(new Dictionary<string, string> { ["PATH"] = "/opt/bin" }, result.Variables);
    }

    [Fact]
    public void The_agents_own_env_wins_over_extra_envs()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment(
            [new ExtraEnv("EDITOR", "nano", "replace"), new ExtraEnv("PAGER", "less", "replace")],
            new Dictionary<string, string> { ["EDITOR"] = "vim" });

        Assert.Equal(new Dictionary<string, string> { ["EDITOR"] = "vim", ["PAGER"] = "less" }, result.Variables);
    }

    [Fact]
    public void An_error_strategy_does_not_see_the_agents_own_env_because_that_is_applied_last()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment(
            [new ExtraEnv("EDITOR", "nano", "error")],
            new Dictionary<string, string> { ["EDITOR"] = "vim" });

        Assert.True(result.Succeeded);
        Assert.Equal("vim", result.Variables!["EDITOR"]);
    }

    [Fact]
    public void A_merge_error_fails_the_environment_and_names_the_variable()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment(
            [new ExtraEnv("TOKEN", "a", "replace"), new ExtraEnv("TOKEN", "b", "error")],
            new Dictionary<string, string> { ["OTHER"] = "x" });

        Assert.False(result.Succeeded);
        Assert.Null(result.Variables);
        Assert.Equal("TOKEN", result.Error!.VariableName);
    }

    [Fact]
    public void Variables_come_out_in_ordinal_name_order_whatever_the_declaration_order()
    {
        var result = EnvironmentMerge.BuildAgentEnvironment(
            [new ExtraEnv("b", "1"), new ExtraEnv("B", "2")],
            new Dictionary<string, string> { ["a"] = "3" });

        Assert.Equal(["B", "a", "b"], result.Variables!.Keys);
    }
}
