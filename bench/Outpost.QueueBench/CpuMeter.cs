using System.Diagnostics;
using System.Globalization;

namespace Outpost.QueueBench;

/// <summary>
/// CPU time spent by this process (server and daemons) and by the embedded PostgreSQL (the
/// postmaster, its live backends, and the backends it has reaped). Unlike throughput, CPU per job
/// holds still when other work shares the machine, so it is reported next to it.
/// </summary>
internal sealed class CpuMeter(string clusterDirectory)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public readonly record struct Sample(TimeSpan Process, TimeSpan Postgres);

    public Sample Read() => new(Process.GetCurrentProcess().TotalProcessorTime, PostgresTime());

    public static (double ProcessMs, double PostgresMs) PerJob(Sample start, Sample end, int jobs) =>
        ((end.Process - start.Process).TotalMilliseconds / jobs, (end.Postgres - start.Postgres).TotalMilliseconds / jobs);

    private TimeSpan PostgresTime()
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!OperatingSystem.IsLinux() || !File.Exists(pidFile)
            || !int.TryParse(File.ReadLines(pidFile).First(), NumberStyles.None, CultureInfo.InvariantCulture, out var postmaster))
        {
            return TimeSpan.Zero;
        }

        double ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }

            // Fields after the parenthesised command: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == postmaster)
            {
                ticks += Field(fields, 14) + Field(fields, 15) + Field(fields, 16) + Field(fields, 17);
            }
            else if (parent == postmaster)
            {
                ticks += Field(fields, 14) + Field(fields, 15);
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static double Field(string[] fields, int number) => double.Parse(fields[number - 3], CultureInfo.InvariantCulture);
}
