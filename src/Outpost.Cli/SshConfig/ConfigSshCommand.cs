using System.CommandLine;
using System.Text;
using Outpost.Cli.Hosting;
using Outpost.Cli.Workspaces;
using Outpost.Sdk;

namespace Outpost.Cli.SshConfig;

/// <summary>
/// <c>outpost config-ssh</c>: writes one <c>Host outpost.&lt;workspace&gt;</c> entry per workspace of
/// the caller into a marked section of the OpenSSH client configuration, so <c>ssh</c>, <c>scp</c> and
/// IDEs reach workspaces through <c>outpost ssh --stdio</c>. It shows the change and asks first, and
/// never touches a line outside its markers.
/// </summary>
internal static class ConfigSshCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Option<string?>("--ssh-config-file") { Description = "The OpenSSH client configuration to edit. Default: ~/.ssh/config." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Write without asking (needed when not on a terminal)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the change and write nothing." };
        var remove = new Option<bool>("--remove") { Description = "Remove Outpost's section (and nothing else)." };
        var command = new Command("config-ssh", "Add your workspaces to the OpenSSH client configuration as outpost.<workspace> hosts.") { file, yes, dryRun, remove };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = ConfigPath(context, result.GetValue(file));
            if (result.GetValue(remove))
            {
                return await ApplyAsync(context, path, null, result.GetValue(yes), result.GetValue(dryRun), cancellationToken).ConfigureAwait(false);
            }

            return await CommandRunner.RunSignedInAsync(context, async (client, ct) =>
            {
                var workspaces = await ListCommand.ListAllAsync(client.Api, "owner=me", ct).ConfigureAwait(false);
                var invocation = ProxyInvocation(context);
                var section = SshConfigSection.Render(
                    workspaces.Select(w => new SshHost(SshConfigSection.HostPrefix + w.Name, w.Name)),
                    workspace => $"{invocation} ssh --stdio {workspace}");
                return await ApplyAsync(context, path, section, result.GetValue(yes), result.GetValue(dryRun), ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> ApplyAsync(CliContext context, string path, string? section, bool yes, bool dryRun, CancellationToken cancellationToken)
    {
        string existing;
        try
        {
            existing = File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false) : string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot read {path}: {e.Message}; nothing was changed").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var (updated, problem) = SshConfigSection.Splice(existing, section);
        if (updated is null)
        {
            await context.Error.WriteLineAsync($"error: {path}: {problem}; nothing was changed").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (updated == existing)
        {
            await context.Error.WriteLineAsync(section is null
                ? $"{path} has no Outpost section; nothing to remove."
                : $"{path} is up to date.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await context.Error.WriteLineAsync($"Changes to {path}:").ConfigureAwait(false);
        foreach (var line in LineDiff.Of(SshConfigSection.Current(existing) ?? string.Empty, section ?? string.Empty))
        {
            await context.Out.WriteLineAsync(line).ConfigureAwait(false);
        }

        if (dryRun)
        {
            await context.Error.WriteLineAsync("Dry run: nothing was written.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        if (!yes)
        {
            if (context.Prompter is not { } prompter)
            {
                await context.Error.WriteLineAsync("error: not on a terminal, so nobody can confirm; pass --yes to write it (or --dry-run to only see it)").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }

            if (!await prompter.ConfirmAsync($"{(section is null ? "Remove the section from" : "Write")} {path}?", cancellationToken).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync("Nothing was written.").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }
        }

        try
        {
            Write(path, updated);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot write {path}: {e.Message}; nothing was changed").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await context.Error.WriteLineAsync(section is null
            ? $"Removed the Outpost section from {path}."
            : $"Updated {path}: connect with `ssh {SshConfigSection.HostPrefix}<workspace>`.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Writes beside the file and renames over it, so a failure leaves the old file whole; a new file is 0600 in a 0700 directory.</summary>
    private static void Write(string path, string content)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var mode = File.Exists(path) ? File.GetUnixFileMode(path) : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.outpost-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string ConfigPath(CliContext context, string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return Path.GetFullPath(explicitPath);
        }

        var home = context.Environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".ssh", "config");
    }

    /// <summary>
    /// This executable, quoted for the shell OpenSSH runs a ProxyCommand with; a non-default
    /// configuration directory is passed on so the ProxyCommand uses the same login.
    /// </summary>
    private static string ProxyInvocation(CliContext context)
    {
        var command = string.Join(' ', OutpostExecutable.Invocation().Select(ShellQuote));
        return context.Environment("OUTPOST_CONFIG_DIR") is { Length: > 0 } configDir
            ? $"env OUTPOST_CONFIG_DIR={ShellQuote(Path.GetFullPath(configDir))} {command}"
            : command;
    }

    private static string ShellQuote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '+' or ':' or '=')
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
