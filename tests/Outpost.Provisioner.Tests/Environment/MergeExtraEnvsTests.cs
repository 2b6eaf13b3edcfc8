using Outpost.Provisioner.Environment;

namespace Outpost.Provisioner.Tests.Environment;

// The fifteen cases of upstream's mergeenvs_test.go, rebuilt from the rules in coder-spec.md §2.
public sealed class MergeExtraEnvsTests
{
    private static Dictionary<string, string> Merge(
        Dictionary<string, string> env,
        params ExtraEnv[] extras)
    {
        var error = EnvironmentMerge.MergeExtraEnvs(env, extras);
        Assert.Null(error);
        return env;
    }

    [Fact]
    public void No_extra_envs_leave_the_map_untouched()
    {
        var env = Merge(new() { ["A"] = "1" });

        Assert.Equal(new Dictionary<string, string> { ["A"] = "1" }, env);
    }

    [Fact]
    public void Replace_sets_a_variable_that_was_absent()
    {
        var env = Merge([], new ExtraEnv("FOO", "bar", "replace"));

        Assert.Equal("bar", env["FOO"]);
    }

    [Fact]
    public void Replace_overwrites_an_existing_value()
    {
        var env = Merge(new() { ["FOO"] = "old" }, new ExtraEnv("FOO", "new", "replace"));

        Assert.Equal("new", env["FOO"]);
    }

    [Fact]
    public void An_empty_strategy_means_replace()
    {
        var env = Merge(new() { ["FOO"] = "old" }, new ExtraEnv("FOO", "new", ""));

        Assert.Equal("new", env["FOO"]);
    }

    [Fact]
    public void An_unknown_strategy_is_treated_as_replace()
    {
        var env = Merge(new() { ["FOO"] = "old" }, new ExtraEnv("FOO", "new", "merge-please"));

        Assert.Equal("new", env["FOO"]);
    }

    [Fact]
    public void Append_joins_onto_an_existing_value_with_a_colon()
    {
        var env = Merge(new() { ["PATH"] = "/usr/bin" }, new ExtraEnv("PATH", "/opt/bin", "append"));

        Assert.Equal("/usr/bin:/opt/bin", env["PATH"]);
    }

    [Fact]
    public void Append_onto_an_absent_variable_gives_just_the_new_value()
    {
        var env = Merge([], new ExtraEnv("PATH", "/opt/bin", "append"));

        Assert.Equal("/opt/bin", env["PATH"]);
    }

    [Fact]
    public void Append_onto_an_empty_value_gives_just_the_new_value()
    {
        var env = Merge(new() { ["PATH"] = "" }, new ExtraEnv("PATH", "/opt/bin", "append"));

        Assert.Equal("/opt/bin", env["PATH"]);
    }

    [Fact]
    public void Prepend_puts_the_new_value_before_an_existing_one()
    {
        var env = Merge(new() { ["PATH"] = "/usr/bin" }, new ExtraEnv("PATH", "/opt/bin", "prepend"));

        Assert.Equal("/opt/bin:/usr/bin", env["PATH"]);
    }

    [Fact]
    public void Prepend_onto_an_absent_or_empty_variable_gives_just_the_new_value()
    {
        var absent = Merge([], new ExtraEnv("PATH", "/opt/bin", "prepend"));
        var empty = Merge(new() { ["PATH"] = "" }, new ExtraEnv("PATH", "/opt/bin", "prepend"));

        Assert.Equal("/opt/bin", absent["PATH"]);
        Assert.Equal("/opt/bin", empty["PATH"]);
    }

    [Fact]
    public void Error_strategy_sets_a_variable_that_was_absent()
    {
        var env = Merge([], new ExtraEnv("TOKEN", "abc", "error"));

        Assert.Equal("abc", env["TOKEN"]);
    }

    [Fact]
    public void Error_strategy_fails_when_the_variable_exists_and_names_it()
    {
        var env = new Dictionary<string, string> { ["TOKEN"] = "abc" };

        var error = EnvironmentMerge.MergeExtraEnvs(env, [new ExtraEnv("TOKEN", "xyz", "error")]);

        Assert.NotNull(error);
        Assert.Equal("TOKEN", error.VariableName);
        Assert.Contains(
            "duplicate env var \"TOKEN\": merge_strategy is \"error\" but variable is already defined",
            error.Message,
            StringComparison.Ordinal);
        Assert.Equal("abc", env["TOKEN"]);
    }

    [Fact]
    public void Error_strategy_fails_even_when_the_existing_value_is_empty()
    {
        var error = EnvironmentMerge.MergeExtraEnvs(
            new Dictionary<string, string> { ["TOKEN"] = "" },
            [new ExtraEnv("TOKEN", "xyz", "error")]);

        Assert.NotNull(error);
        Assert.Equal("TOKEN", error.VariableName);
    }

    [Fact]
    public void Merging_is_order_sensitive_so_a_later_replace_overwrites_an_earlier_append()
    {
        var env = Merge(
            new() { ["PATH"] = "/usr/bin" },
            new ExtraEnv("PATH", "/opt/bin", "append"),
            new ExtraEnv("PATH", "/only", "replace"));

        Assert.Equal("/only", env["PATH"]);
    }

    [Fact]
    public void Repeated_prepends_put_the_last_one_first()
    {
        var env = Merge(
            new() { ["PATH"] = "/usr/bin" },
            new ExtraEnv("PATH", "/a", "prepend"),
            new ExtraEnv("PATH", "/b", "prepend"));

        Assert.Equal("/b:/a:/usr/bin", env["PATH"]);
    }

    [Fact]
    public void Appending_an_empty_value_is_not_special_cased()
    {
        var env = Merge(new() { ["PATH"] = "a" }, new ExtraEnv("PATH", "", "append"));

        Assert.Equal("a:", env["PATH"]);
    }

    [Fact]
    public void The_first_error_stops_the_merge_and_keeps_the_entries_applied_before_it()
    {
        var env = new Dictionary<string, string>();

        var error = EnvironmentMerge.MergeExtraEnvs(
            env,
            [
                new ExtraEnv("A", "1", "replace"),
                new ExtraEnv("B", "2", "error"),
                new ExtraEnv("B", "3", "error"),
                new ExtraEnv("C", "4", "replace"),
            ]);

        Assert.NotNull(error);
        Assert.Equal("B", error.VariableName);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }, env);
    }

    [Fact]
    public void Different_variables_with_different_strategies_merge_independently()
    {
        var env = Merge(
            new() { ["PATH"] = "/usr/bin", ["LD_LIBRARY_PATH"] = "/lib" },
            new ExtraEnv("PATH", "/opt/bin", "append"),
            new ExtraEnv("LD_LIBRARY_PATH", "/opt/lib", "prepend"),
            new ExtraEnv("EDITOR", "vim", "error"));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["PATH"] = "/usr/bin:/opt/bin",
                ["LD_LIBRARY_PATH"] = "/opt/lib:/lib",
                ["EDITOR"] = "vim",
            },
            env);
    }

    [Fact]
    public void Variable_names_are_case_sensitive()
    {
        var env = Merge(new() { ["path"] = "/lower" }, new ExtraEnv("PATH", "/upper", "error"));

        Assert.Equal("/lower", env["path"]);
        Assert.Equal("/upper", env["PATH"]);
    }
}
