using System.Runtime.InteropServices;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// Starts a local command as the leader of a new session and process group (util-linux <c>setsid</c>, which execs in
/// place: a process .NET starts never leads a group, so the pid stays the command's and is also its group's id), and
/// kills that group. No package offers this; it is one <c>kill(2)</c> call.
/// </summary>
internal static class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>What to start instead of <c>program</c> itself; null (start it as before) without setsid or when the program cannot be found, so a missing command is still reported as not started.</summary>
    public sealed record Launch(string FileName, string Program);

    public static Launch? Leading(string program)
    {
        if (Sdk.SystemPrograms.Setsid is not { } setsid || !OperatingSystem.IsLinux() || Resolve(program) is not { } path)
        {
            return null;
        }

        return new Launch(setsid, path);
    }

    /// <summary>SIGKILL to every process of the group <paramref name="leader"/> leads; false when none is left.</summary>
    public static bool Kill(int leader) => kill(-leader, SigKill) == 0;

    /// <summary>The program as the parent's PATH finds it (as .NET's own start would); null when it is not there or is a relative path.</summary>
    private static string? Resolve(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return Path.IsPathRooted(program) && IsExecutable(program) ? program : null;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Join(directory, program);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this project; kill takes and returns plain ints.
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
