using Outpost.Cli.SshConfig;

namespace Outpost.Cli.Tests.SshConfig;

public sealed class SshConfigSectionTests
{
    private const string UserConfig = "Host github.com\n  User git\n  IdentityFile ~/.ssh/github\n\n# my own comment\nHost *\n  AddKeysToAgent yes\n";

    private static string Section(params string[] workspaces) =>
        SshConfigSection.Render(workspaces.Select(w => new SshHost("outpost." + w, w)), w => $"outpost ssh --stdio {w}");

    [Fact]
    public void A_new_section_goes_at_the_end_after_a_blank_line_and_keeps_every_user_line()
    {
        var (updated, problem) = SshConfigSection.Splice(UserConfig, Section("dev"));

        Assert.Null(problem);
        Assert.StartsWith(UserConfig + "\n" + SshConfigSection.StartMarker + "\n", updated, StringComparison.Ordinal);
        Assert.EndsWith(SshConfigSection.EndMarker + "\n", updated, StringComparison.Ordinal);
        Assert.Contains("Host outpost.dev\n  HostName dev\n  ProxyCommand outpost ssh --stdio dev\n", updated, StringComparison.Ordinal);
        Assert.Contains("  ServerAliveInterval 30\n", updated, StringComparison.Ordinal);
        Assert.Contains("  StrictHostKeyChecking no\n", updated, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_again_with_the_same_workspaces_changes_nothing()
    {
        var once = SshConfigSection.Splice(UserConfig, Section("dev", "api")).Updated!;

        Assert.Equal(once, SshConfigSection.Splice(once, Section("api", "dev")).Updated);
    }

    [Fact]
    public void An_update_replaces_the_section_in_place_and_leaves_lines_around_it_alone()
    {
        var around = "Host first\n  User a\n\n" + Section("dev") + "\nHost after\n  User b\n";

        var updated = SshConfigSection.Splice(around, Section("dev", "new-one")).Updated!;

        Assert.StartsWith("Host first\n  User a\n\n" + SshConfigSection.StartMarker, updated, StringComparison.Ordinal);
        Assert.EndsWith(SshConfigSection.EndMarker + "\n\nHost after\n  User b\n", updated, StringComparison.Ordinal);
        Assert.Contains("Host outpost.new-one\n", updated, StringComparison.Ordinal);
    }

    [Fact]
    public void Removing_gives_back_the_file_as_it_was_before_the_section()
    {
        var with = SshConfigSection.Splice(UserConfig, Section("dev")).Updated!;

        Assert.Equal(UserConfig, SshConfigSection.Splice(with, null).Updated);
        Assert.Equal(UserConfig, SshConfigSection.Splice(UserConfig, null).Updated);
        Assert.Equal(string.Empty, SshConfigSection.Splice(SshConfigSection.Splice(string.Empty, Section("dev")).Updated!, null).Updated);
    }

    [Theory]
    [InlineData("start only", "never ended")]
    [InlineData("end only", "not started")]
    [InlineData("two starts", "second Outpost section")]
    public void Broken_markers_are_refused_with_the_line_to_fix(string shape, string expected)
    {
        var text = shape switch
        {
            "start only" => UserConfig + SshConfigSection.StartMarker + "\nHost outpost.x\n",
            "end only" => UserConfig + SshConfigSection.EndMarker + "\n",
            _ => Section("a") + Section("b"),
        };

        var (updated, problem) = SshConfigSection.Splice(text, Section("dev"));

        Assert.Null(updated);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_diff_shows_only_what_changes()
    {
        var diff = LineDiff.Of("a\nb\nc\n", "a\nc\nd\n");

        Assert.Equal(["  a", "- b", "  c", "+ d"], diff);
        Assert.Equal(["+ x"], LineDiff.Of(string.Empty, "x\n"));
        Assert.Equal(["- x"], LineDiff.Of("x\n", string.Empty));
    }
}
