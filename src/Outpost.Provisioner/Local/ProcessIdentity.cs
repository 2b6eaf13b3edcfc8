using System.Diagnostics;
using System.Globalization;

namespace Outpost.Provisioner.Local;

/// <summary>
/// Tells whether a pid is still the process we started. Pids are reused, so a pid alone may name
/// a stranger by the time a workspace stops; the kernel's start time of the process does not change
/// for its life and differs for the next owner of the pid.
/// </summary>
internal static class ProcessIdentity
{
    /// <summary>
    /// An opaque start time (Linux: clock ticks since boot from <c>/proc/&lt;pid&gt;/stat</c>), or null when
    /// no live process has the pid. A zombie counts as gone: it has exited and only waits to be reaped.
    /// </summary>
    public static long? StartTime(int pid) => ReadStat(pid)?.StartTime;

    /// <summary>The process group id, or null when the process is gone.</summary>
    public static int? ProcessGroup(int pid) => ReadStat(pid)?.ProcessGroup;

    public static bool IsSame(int pid, long startTime) => StartTime(pid) == startTime;

    private static (long StartTime, int ProcessGroup)? ReadStat(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            return ReadFromRuntime(pid);
        }

        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field N is fields[N - 3]: pgrp is 5, starttime is 22.
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
        {
            return null;
        }

        return (long.Parse(fields[19], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    private static (long StartTime, int ProcessGroup)? ReadFromRuntime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            // No process group without /proc; signalling falls back to the single process.
            return process.HasExited ? null : (process.StartTime.ToUniversalTime().Ticks, 0);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
