using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Cli.Invocations;

namespace Outpost.Cli.Tests.Invocations;

public sealed class CommandInfoExtractorTests : IDisposable
{
    private readonly TestCli _cli = new();
    private readonly RootCommand _root;

    public CommandInfoExtractorTests()
    {
        using var output = new StringWriter();
        _root = CliApp.Build(_cli.CreateContext(output, output));
    }

    private CommandInfo Extract(params string[] args) => CommandInfoExtractor.Extract(_root.Parse(args));

    [Fact]
    public void A_positional_value_is_redacted_and_never_mistaken_for_a_subcommand()
    {
        var info = Extract("login", "https://secret.example.com", "--email", "me@example.com", "--password", "hunter22");

        Assert.Equal("login", info.Command);
        Assert.Null(info.Subcommand);
        Assert.Equal([CommandInfo.Redacted], info.Args);
        Assert.Equal(["--email", "--password"], info.OptionKeys);
        Assert.Empty(info.GlobalOptions);
    }

    [Fact]
    public void Known_subcommands_are_kept_and_their_values_redacted()
    {
        var info = Extract("tokens", "revoke", "my-ci-token", "--no-telemetry");

        Assert.Equal("tokens", info.Command);
        Assert.Equal("revoke", info.Subcommand);
        Assert.Equal([CommandInfo.Redacted], info.Args);
        Assert.Equal(["--no-telemetry"], info.GlobalOptions);
    }

    [Fact]
    public void Option_values_are_never_recorded_in_either_spelling()
    {
        var info = Extract("tokens", "create", "--name=deploy-bot", "--lifetime", "30d");

        Assert.Equal(["--name", "--lifetime"], info.OptionKeys);
        Assert.Empty(info.Args);
    }

    [Fact]
    public void Boolean_flags_do_not_swallow_the_next_token()
    {
        var info = Extract("telemetry", "export", "--help", "positional");

        Assert.Equal("export", info.Subcommand);
        Assert.Equal(["--help"], info.OptionKeys);
        Assert.Equal([CommandInfo.Redacted], info.Args);
    }

    [Fact]
    public void An_unknown_first_word_is_redacted()
    {
        var info = Extract("ghp_supersecrettoken", "whatever");

        Assert.Equal(CommandInfo.Redacted, info.Command);
        Assert.Equal([CommandInfo.Redacted], info.Args);
    }

    [Fact]
    public void Global_options_are_recorded_apart_wherever_they_stand()
    {
        var info = Extract("--no-telemetry", "whoami", "--output", "json");

        Assert.Equal("whoami", info.Command);
        Assert.Equal(["--no-telemetry"], info.GlobalOptions);
        Assert.Equal(["--output"], info.OptionKeys);
        Assert.Empty(info.Args);
    }

    [Fact]
    public void A_value_that_begins_with_a_dash_is_a_value_not_an_option()
    {
        var info = Extract("login", "https://h.example.com", "--password", "-S3cret", "--email", "--not-an-option@example.com");

        Assert.Equal(["--password", "--email"], info.OptionKeys);
        Assert.Equal([CommandInfo.Redacted], info.Args);
        Assert.DoesNotContain(Flatten(info), t => t.Contains("S3cret", StringComparison.Ordinal) || t.Contains("not-an-option", StringComparison.Ordinal));
    }

    [Fact]
    public void A_glued_short_option_records_the_option_name_alone()
    {
        var info = Extract("telemetry", "export", "-oSECRETFILE", "-fjson");

        Assert.Equal(["--output", "--format"], info.OptionKeys);
        Assert.Empty(info.Args);
        Assert.DoesNotContain(Flatten(info), t => t.Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public void A_flag_a_hand_kept_list_would_not_know_does_not_shift_the_positionals()
    {
        var info = Extract("stop", "-w", "dev-box");

        Assert.Equal("stop", info.Command);
        Assert.Equal([CommandInfo.Redacted], info.Args);
        Assert.Equal(["--wait"], info.OptionKeys);
    }

    [Fact]
    public void A_flag_the_tree_does_not_know_is_never_recorded_by_name()
    {
        var info = Extract("stop", "--frobnicate-S3cret", "dev-box");

        Assert.Equal("stop", info.Command);
        Assert.NotEmpty(info.Args);
        Assert.All(info.Args, a => Assert.Equal(CommandInfo.Redacted, a));
        Assert.Empty(info.OptionKeys);
        Assert.DoesNotContain(Flatten(info), t => t.Contains("frobnicate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_positional_equal_to_an_option_value_is_still_counted()
    {
        var info = Extract("logs", "dev", "--build", "3", "dev");

        Assert.Equal(["--build"], info.OptionKeys);
        Assert.Equal(2, info.Args.Count);
    }

    [Fact]
    public void Every_command_and_option_of_the_real_tree_records_names_only()
    {
        var checkedOptions = 0;
        foreach (var (path, command) in Commands(_root, []))
        {
            foreach (var option in command.Options.Concat(_root.Options).Distinct())
            {
                foreach (var args in SecretInvocations(path, command, option))
                {
                    var info = Extract([.. args]);
                    var recorded = Flatten(info);
                    Assert.All(recorded, t => Assert.True(IsTreeName(t), $"'{t}' recorded for: {string.Join(' ', args)}"));
                    if (path.Count > 0)
                    {
                        Assert.Equal(path[0], info.Command);
                    }

                    checkedOptions++;
                }
            }
        }

        Assert.True(checkedOptions > 100, $"only {checkedOptions} command lines were checked");
    }

    /// <summary>Values a user might give: shaped like options, like secrets, glued, with '='.</summary>
    internal static readonly string[] SecretValues = ["-S3cretValue9", "--Sneaky-Token-77", "ghp_Abc123SecretToken456789", "abcd012345-Zq9CanaRy7xYt2Lp4Wm8RbAAAAAAAAAA", "--"];

    internal static IEnumerable<(List<string> Path, Command Command)> Commands(Command command, List<string> path)
    {
        yield return (path, command);
        foreach (var child in command.Subcommands)
        {
            foreach (var nested in Commands(child, [.. path, child.Name]))
            {
                yield return nested;
            }
        }
    }

    internal static IEnumerable<List<string>> SecretInvocations(List<string> path, Command command, Option option)
    {
        var positionals = command.Arguments.Select((_, i) => $"-Positional{i}Secret").ToList();
        foreach (var value in SecretValues)
        {
            foreach (var name in option.Aliases.Append(option.Name))
            {
                yield return [.. path, name, value, .. positionals];
                yield return [.. path, .. positionals, $"{name}={value}"];
                if (name.Length == 2)
                {
                    yield return [.. path, name + value.TrimStart('-')];
                }
            }
        }
    }

    private static IEnumerable<string> Flatten(CommandInfo info) =>
        new[] { info.Command, info.Subcommand ?? string.Empty }.Concat(info.Args).Concat(info.OptionKeys).Concat(info.GlobalOptions);

    private bool IsTreeName(string text)
    {
        if (text.Length == 0 || text == CommandInfo.Redacted)
        {
            return true;
        }

        return Commands(_root, []).Any(c => c.Command.Name == text || c.Command.Options.Any(o => o.Name == text)) || _root.Options.Any(o => o.Name == text);
    }

    [Fact]
    public void Only_whitelisted_variables_detect_an_agent_session()
    {
        var env = new Dictionary<string, string?> { ["AWS_SECRET_ACCESS_KEY"] = "x", ["TERM_PROGRAM"] = "cursor" };

        var (detected, tool) = InvocationRecorder.DetectAgentSession(name => env.GetValueOrDefault(name));
        var (none, noTool) = InvocationRecorder.DetectAgentSession(name => name == "AI_AGENT" ? "false" : null);
        var (generic, genericTool) = InvocationRecorder.DetectAgentSession(name => name == "IS_AGENT" ? "yes" : null);

        Assert.True(detected);
        Assert.Equal("cursor", tool);
        Assert.False(none);
        Assert.Null(noTool);
        Assert.True(generic);
        Assert.Null(genericTool);
    }

    public void Dispose() => _cli.Dispose();
}
