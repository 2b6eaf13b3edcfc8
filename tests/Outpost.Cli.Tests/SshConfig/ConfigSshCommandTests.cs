using Outpost.Cli.SshConfig;
using Outpost.Cli.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Cli.Tests.SshConfig;

/// <summary><c>outpost config-ssh</c> against a real server: the caller's workspaces become hosts in a marked section.</summary>
public sealed class ConfigSshCommandTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly WorkspaceTestBed _bed = new(server);

    [Fact]
    public async Task Writes_one_host_per_workspace_keeps_the_users_lines_updates_and_removes_its_section()
    {
        using var cli = await _bed.WithTemplateAsync("ssh-hosts");
        Assert.Equal(0, (await cli.RunAsync("create", "alpha", "--template", "ssh-hosts", "--no-wait")).ExitCode);
        var config = Path.Combine(cli.Environment["HOME"]!, ".ssh", "config");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        const string Mine = "Host github.com\n  User git\n";
        await File.WriteAllTextAsync(config, Mine);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var dry = await cli.RunAsync("config-ssh", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains("+ Host outpost.alpha", dry.Stdout, StringComparison.Ordinal);
        Assert.Equal(Mine, await File.ReadAllTextAsync(config));

        var unconfirmed = await cli.RunAsync("config-ssh");
        Assert.Equal(ExitCodes.NotConfirmed, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr, StringComparison.Ordinal);
        Assert.Equal(Mine, await File.ReadAllTextAsync(config));

        var write = await cli.RunAsync("config-ssh", "--yes");
        Assert.True(write.ExitCode == 0, write.Stderr);
        var written = await File.ReadAllTextAsync(config);
        Assert.StartsWith(Mine + "\n" + SshConfigSection.StartMarker, written, StringComparison.Ordinal);
        Assert.Contains("Host outpost.alpha\n  HostName alpha\n", written, StringComparison.Ordinal);
        Assert.Contains("OUTPOST_CONFIG_DIR=", written, StringComparison.Ordinal);
        Assert.Contains(" ssh --stdio alpha\n", written, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));

        var again = await cli.RunAsync("config-ssh", "--yes");
        Assert.Contains("is up to date", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllTextAsync(config));

        Assert.Equal(0, (await cli.RunAsync("create", "beta", "--template", "ssh-hosts", "--no-wait")).ExitCode);
        var update = await cli.RunAsync("config-ssh", "--yes");
        Assert.True(update.ExitCode == 0, update.Stderr);
        Assert.Contains("+ Host outpost.beta", update.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("- Host outpost.alpha", update.Stdout, StringComparison.Ordinal);
        Assert.Contains("Host outpost.beta\n", await File.ReadAllTextAsync(config), StringComparison.Ordinal);

        var removed = await cli.RunAsync("config-ssh", "--remove", "--yes");
        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.Equal(Mine, await File.ReadAllTextAsync(config));
    }

    [Fact]
    public async Task A_new_config_is_created_private_and_a_file_it_cannot_write_or_parse_is_left_as_it_was()
    {
        using var cli = await _bed.SignedInAsync();
        var home = cli.Environment["HOME"]!;

        var created = await cli.RunAsync("config-ssh", "--yes");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(home, ".ssh")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home, ".ssh", "config")));

        var unwritable = await cli.RunAsync("config-ssh", "--yes", "--ssh-config-file", "/dev/null/config");
        Assert.Equal(ExitCodes.Failure, unwritable.ExitCode);
        Assert.Contains("cannot write /dev/null/config", unwritable.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", unwritable.Stderr, StringComparison.Ordinal);

        var broken = Path.Combine(home, "broken-config");
        var text = "Host x\n" + SshConfigSection.StartMarker + "\n";
        await File.WriteAllTextAsync(broken, text);
        var refused = await cli.RunAsync("config-ssh", "--yes", "--ssh-config-file", broken);
        Assert.Equal(ExitCodes.Failure, refused.ExitCode);
        Assert.Contains("never ended", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(text, await File.ReadAllTextAsync(broken));
    }

    public void Dispose() => _bed.Dispose();
}
