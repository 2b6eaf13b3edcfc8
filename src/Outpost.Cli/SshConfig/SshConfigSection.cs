using System.Text;

namespace Outpost.Cli.SshConfig;

/// <summary>One <c>Host</c> entry of the managed section: the alias SSH is given and the workspace it reaches.</summary>
internal sealed record SshHost(string Alias, string Workspace);

/// <summary>
/// The part of an OpenSSH client configuration that <c>outpost config-ssh</c> owns: the lines between
/// its two markers. Everything outside them is the user's and is kept byte for byte; the section
/// goes at the end of a file that has none, because OpenSSH takes the first value it finds and the
/// user's own settings should win.
/// </summary>
internal static class SshConfigSection
{
    public const string StartMarker = "# ------------START-OUTPOST------------";
    public const string EndMarker = "# ------------END-OUTPOST--------------";

    /// <summary>The prefix of every host alias, as in <c>ssh outpost.dev</c>.</summary>
    public const string HostPrefix = "outpost.";

    /// <summary>
    /// The section for <paramref name="hosts"/>, markers included, each line ending in a newline.
    /// <paramref name="proxyCommand"/> turns a workspace name into the command SSH runs to reach it.
    /// </summary>
    public static string Render(IEnumerable<SshHost> hosts, Func<string, string> proxyCommand)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(proxyCommand);
        var text = new StringBuilder();
        text.Append(StartMarker).Append('\n');
        text.Append("# Written by `outpost config-ssh`; run it again after creating workspaces. Edits between these\n");
        text.Append("# markers are overwritten; `outpost config-ssh --remove` removes the section.\n");
        foreach (var host in hosts.OrderBy(h => h.Alias, StringComparer.Ordinal))
        {
            text.Append('\n');
            text.Append("Host ").Append(host.Alias).Append('\n');
            text.Append("  HostName ").Append(host.Workspace).Append('\n');
            text.Append("  ProxyCommand ").Append(proxyCommand(host.Workspace)).Append('\n');
            text.Append("  ConnectTimeout 0\n");
            text.Append("  ServerAliveInterval 30\n");
            text.Append("  ServerAliveCountMax 3\n");
            // Workspaces are rebuilt with new host keys; the path to them is the authenticated relay.
            text.Append("  StrictHostKeyChecking no\n");
            text.Append("  UserKnownHostsFile /dev/null\n");
            text.Append("  LogLevel ERROR\n");
        }

        text.Append(EndMarker).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// <paramref name="existing"/> with its managed section replaced by <paramref name="section"/>
    /// (removed when null), or why the file cannot be edited safely.
    /// </summary>
    public static (string? Updated, string? Problem) Splice(string existing, string? section)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var (start, end, problem) = Locate(existing);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (start < 0)
        {
            if (section is null)
            {
                return (existing, null);
            }

            var separator = existing.Length == 0 ? string.Empty : existing.EndsWith('\n') ? "\n" : "\n\n";
            return (existing + separator + section, null);
        }

        var before = existing[..start];
        var after = existing[end..];
        if (section is not null)
        {
            return (before + section + after, null);
        }

        // Removing: take away the blank line the section was appended after, too.
        if (before.EndsWith("\n\n", StringComparison.Ordinal) && after.Length == 0)
        {
            before = before[..^1];
        }

        return (before + after, null);
    }

    /// <summary>The managed section now in <paramref name="existing"/>, or null.</summary>
    public static string? Current(string existing)
    {
        var (start, end, problem) = Locate(existing);
        return problem is null && start >= 0 ? existing[start..end] : null;
    }

    /// <summary>[start, end) of the section including its end marker's newline; (-1, -1) when absent.</summary>
    private static (int Start, int End, string? Problem) Locate(string text)
    {
        int start = -1, end = -1, offset = 0, lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            var trimmed = line.TrimEnd('\r').Trim();
            if (trimmed == StartMarker)
            {
                if (start >= 0)
                {
                    return (-1, -1, $"line {lineNumber} starts a second Outpost section; remove one of the two (from its START to its END line) and run this again");
                }

                start = offset;
            }
            else if (trimmed == EndMarker)
            {
                if (start < 0 || end >= 0)
                {
                    return (-1, -1, $"line {lineNumber} ends an Outpost section that was not started; remove that line and run this again");
                }

                end = Math.Min(text.Length, offset + line.Length + 1);
            }

            offset += line.Length + 1;
        }

        if (start >= 0 && end < 0)
        {
            return (-1, -1, "the Outpost section is started but never ended; remove its START line (or add the END line) and run this again");
        }

        return (start, end, null);
    }
}
