using System.Diagnostics;
using System.Text;

namespace Outpost.Agent.Scripts;

/// <summary>How the agent starts user code (scripts, the task agent's commands): <c>{shell} -c {command}</c>, all three streams piped, UTF-8.</summary>
internal static class ShellStartInfo
{
    /// <summary>The environment is the agent's with <paramref name="environment"/> on top (a null value removes the variable).</summary>
    public static ProcessStartInfo For(string shell, string command, string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var startInfo = new ProcessStartInfo(shell)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(command);
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }

    /// <summary>
    /// Runs <paramref name="startInfo"/>'s program in a new session, so it leads a process group of its own. The
    /// sandbox launcher turns the provisioner's SIGTERM into a SIGTERM to the agent's whole process group; the server
    /// tells the agent that its workspace stops as the stop build is queued, so the agent often runs its shutdown
    /// script before that signal comes, and a script in the agent's group died of it (exit 143: shutdown_error). The
    /// agent ends its scripts itself (timeouts and cancellation kill the process tree). <c>setsid</c> execs in place
    /// (the pid stays the script's) because a process .NET starts does not lead a group; <c>-w</c> waits and passes on
    /// the exit status should it ever fork. Without <c>setsid</c>, or for a program that is not there, nothing changes.
    /// </summary>
    /// <remarks>
    /// With <paramref name="ignoreStopSignals"/> the program also
    /// starts with SIGTERM, SIGINT and SIGHUP ignored (a shell sets them ignored and execs it, so the pid stays the
    /// program's). For shutdown scripts: the workspace is stopping, every such signal around them is meant for the
    /// agent, which runs them to their end or their timeout (then SIGKILL). In CI a shutdown script still died of a
    /// SIGTERM now and then (exit 143, once before the agent had its own SIGTERM) though it led a group of its own;
    /// where that signal came from was not found. Ignored signals stay ignored in what the script starts.
    /// </remarks>
    public static ProcessStartInfo InSessionOfItsOwn(ProcessStartInfo startInfo, bool ignoreStopSignals)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        // A program that is not there is left for Process.Start to report (the script "could not start"), not setsid.
        // The sandbox sees the system's /usr, so its setsid too.
        if (Sdk.SystemPrograms.Setsid is not { } setsid || !Path.IsPathRooted(startInfo.FileName) || !File.Exists(startInfo.FileName))
        {
            return startInfo;
        }

        startInfo.ArgumentList.Insert(0, startInfo.FileName);
        if (ignoreStopSignals)
        {
            // setsid -w /bin/sh -c 'trap "" TERM INT HUP; exec "$@"' sh <program> <its arguments>
            startInfo.ArgumentList.Insert(0, "sh");
            startInfo.ArgumentList.Insert(0, "trap '' TERM INT HUP; exec \"$@\"");
            startInfo.ArgumentList.Insert(0, "-c");
            startInfo.ArgumentList.Insert(0, "/bin/sh");
        }

        startInfo.ArgumentList.Insert(0, "-w");
        startInfo.FileName = setsid;
        return startInfo;
    }
}
