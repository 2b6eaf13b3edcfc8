using System.Text.Json;
using Outpost.Cli.Tests.Workspaces;
using Outpost.Sdk;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Secrets;

/// <summary><c>outpost secrets</c> against the real server: values only from stdin or a no-echo prompt, never printed.</summary>
public sealed class SecretsCommandTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly WorkspaceTestBed _bed = new(server);

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task A_secret_piped_on_stdin_is_created_listed_without_its_value_updated_and_deleted()
    {
        using var cli = await _bed.SignedInAsync();
        cli.Stdin = "cli-canary-4711\n";
        var create = await cli.RunAsync("secrets", "create", "gh", "--env", "GH_TOKEN", "--file", "~/.config/gh/token", "--description", "GitHub");
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("Created secret \"gh\" (env GH_TOKEN, file ~/.config/gh/token)", create.Stderr, StringComparison.Ordinal);

        cli.Stdin = null;
        var json = await cli.RunAsync("secrets", "list", "--output", "json");
        var table = await cli.RunAsync("secrets", "list");
        var listed = JsonSerializer.Deserialize(json.Stdout, OutpostJsonContext.Default.ListUserSecret)!;
        var secret = Assert.Single(listed, s => s.Name == "gh");
        Assert.Equal(("GH_TOKEN", "~/.config/gh/token", "GitHub"), (secret.EnvName, secret.FilePath, secret.Description));
        Assert.Contains("GH_TOKEN", table.Stdout, StringComparison.Ordinal);

        cli.Stdin = "cli-canary-second";
        var update = await cli.RunAsync("secrets", "update", "gh", "--file", "");
        Assert.True(update.ExitCode == 0, update.Stderr);
        Assert.Contains("with a new value", update.Stderr, StringComparison.Ordinal);

        cli.Stdin = null;
        var delete = await cli.RunAsync("secrets", "delete", "gh");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        var after = await cli.RunAsync("secrets", "list", "--output", "json");
        Assert.DoesNotContain(JsonSerializer.Deserialize(after.Stdout, OutpostJsonContext.Default.ListUserSecret)!, s => s.Name == "gh");

        var everything = string.Concat(create.Stdout, create.Stderr, json.Stdout, table.Stdout, update.Stdout, update.Stderr);
        Assert.DoesNotContain("cli-canary", everything, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(cli.TelemetryDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("cli-canary", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task At_a_terminal_the_value_is_asked_for_without_echo()
    {
        using var cli = await _bed.SignedInAsync();
        var prompter = new ScriptedPrompter("prompted-value");
        cli.Prompter = prompter;
        var create = await cli.RunAsync("secrets", "create", "prompted", "--env", "PROMPTED");
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Equal(["Value"], prompter.Questions);
    }

    [Fact]
    public async Task Without_stdin_or_a_terminal_nothing_is_created()
    {
        using var cli = await _bed.SignedInAsync();
        var create = await cli.RunAsync("secrets", "create", "novalue", "--env", "NOVALUE");
        Assert.Equal(ExitCodes.Usage, create.ExitCode);
        Assert.Contains("no value", create.Stderr, StringComparison.Ordinal);
        var list = await cli.RunAsync("secrets", "list", "--output", "json");
        Assert.DoesNotContain(JsonSerializer.Deserialize(list.Stdout, OutpostJsonContext.Default.ListUserSecret)!, s => s.Name == "novalue");
    }

    [Fact]
    public async Task A_bad_binding_is_refused_before_the_value_is_asked_for()
    {
        using var cli = await _bed.SignedInAsync();
        var prompter = new ScriptedPrompter("never-used");
        cli.Prompter = prompter;
        var create = await cli.RunAsync("secrets", "create", "bad", "--env", "LD_PRELOAD");
        Assert.Equal(ExitCodes.Usage, create.ExitCode);
        Assert.Contains("--env", create.Stderr, StringComparison.Ordinal);
        Assert.Contains("reserved prefix LD_", create.Stderr, StringComparison.Ordinal);
        Assert.Empty(prompter.Questions);
    }

    [Fact]
    public async Task A_value_is_never_an_argument()
    {
        using var cli = await _bed.SignedInAsync();
        var create = await cli.RunAsync("secrets", "create", "arg", "--env", "ARG", "--value", "on-the-command-line");
        Assert.NotEqual(0, create.ExitCode);
        var list = await cli.RunAsync("secrets", "list", "--output", "json");
        Assert.DoesNotContain(JsonSerializer.Deserialize(list.Stdout, OutpostJsonContext.Default.ListUserSecret)!, s => s.Name == "arg");
    }
}
