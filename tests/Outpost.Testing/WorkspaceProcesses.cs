using System.Runtime.InteropServices;

namespace Outpost.Testing;

/// <summary>
/// The local workspaces a test server started: their agents are meant to outlive the server (they are the workspaces),
/// so a fixture that throws its server away kills them itself, or every run would leave agents behind.
/// </summary>
public static class WorkspaceProcesses
{
    private const int SigKill = 9;

    /// <summary>
    /// SIGKILLs the process group of every process working under <paramref name="directory"/> that leads its group: an
    /// agent's launcher (with bubblewrap and the agent), or an unsandboxed agent (its own group, from setsid).
    /// </summary>
    public static int KillUnder(string directory)
    {
        var killed = 0;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var cwd = new DirectoryInfo(Path.Combine(entry, "cwd")).LinkTarget;
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var group = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
                if (group == pid && cwd is not null && cwd.StartsWith(directory, StringComparison.Ordinal) && Kill(-pid, SigKill) == 0)
                {
                    killed++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return killed;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
