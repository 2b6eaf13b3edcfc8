using Outpost.Cli.Hosting;
using Outpost.Cli.Invocations;

namespace Outpost.Cli.Tests.Invocations;

public sealed class CommandInfoExtractorTests : IDisposable
{
    private readonly TestCli _cli = new();
    private readonly CommandInfoExtractor _extractor;

    public CommandInfoExtractorTests()
    {
        using var output = new StringWriter();
        _extractor = CommandInfoExtractor.FromTree(CliApp.Build(_cli.CreateContext(output, output)));
    }

    [Fact]
    public void A_positional_value_is_redacted_and_never_mistaken_for_a_subcommand()
    {
        var info = _extractor.Extract(["login", "https://secret.example.com", "--email", "me@example.com", "--password", "hunter22"]);

        Assert.Equal("login", info.Command);
        Assert.Null(info.Subcommand);
        Assert.Equal([CommandInfo.Redacted], info.Args);
        Assert.Equal(["--email", "--password"], info.OptionKeys);
        Assert.Empty(info.GlobalOptions);
    }

    [Fact]
    public void Known_subcommands_are_kept_and_their_values_redacted()
    {
        var info = _extractor.Extract(["tokens", "revoke", "my-ci-token", "--no-telemetry"]);

        Assert.Equal("tokens", info.Command);
        Assert.Equal("revoke", info.Subcommand);
        Assert.Equal([CommandInfo.Redacted], info.Args);
        Assert.Equal(["--no-telemetry"], info.GlobalOptions);
    }

    [Fact]
    public void Option_values_are_never_recorded_in_either_spelling()
    {
        var info = _extractor.Extract(["tokens", "create", "--name=deploy-bot", "--lifetime", "30d"]);

        Assert.Equal(["--name", "--lifetime"], info.OptionKeys);
        Assert.Empty(info.Args);
    }

    [Fact]
    public void Boolean_flags_do_not_swallow_the_next_token()
    {
        var info = _extractor.Extract(["telemetry", "export", "--help", "positional"]);

        Assert.Equal("export", info.Subcommand);
        Assert.Equal(["--help"], info.OptionKeys);
        Assert.Equal([CommandInfo.Redacted], info.Args);
    }

    [Fact]
    public void An_unknown_first_word_is_redacted()
    {
        var info = _extractor.Extract(["ghp_supersecrettoken", "whatever"]);

        Assert.Equal(CommandInfo.Redacted, info.Command);
        Assert.Equal([CommandInfo.Redacted], info.Args);
    }

    [Fact]
    public void Options_before_the_command_are_dropped_unless_global()
    {
        var info = _extractor.Extract(["--verbose", "--config", "/etc/x", "whoami", "--output", "json"]);

        Assert.Equal("whoami", info.Command);
        Assert.Equal(["--verbose"], info.GlobalOptions);
        Assert.Equal(["--output"], info.OptionKeys);
        Assert.Empty(info.Args);
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
