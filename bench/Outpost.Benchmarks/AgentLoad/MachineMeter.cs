using System.Diagnostics;
using Outpost.QueueBench;

namespace Outpost.Benchmarks.AgentLoad;

/// <summary>
/// CPU time of the server process, of the embedded PostgreSQL (postmaster and backends, from <c>/proc</c>) and of
/// this load tool, and the machine's load average: the machine is shared, so every result carries its state.
/// </summary>
internal sealed class MachineMeter(int serverPid, string clusterDirectory)
{
    private readonly CpuMeter _postgres = new(clusterDirectory);

    public readonly record struct Reading(TimeSpan Server, TimeSpan Postgres, TimeSpan Tool);

    public sealed record Usage(TimeSpan Server, TimeSpan Postgres, TimeSpan Tool);

    public Reading Read()
    {
        using var server = Process.GetProcessById(serverPid);
        var sample = _postgres.Read();
        return new Reading(server.TotalProcessorTime, sample.Postgres, sample.Process);
    }

    public static Usage Between(Reading start, Reading end) => new(end.Server - start.Server, end.Postgres - start.Postgres, end.Tool - start.Tool);

    /// <summary>The 1, 5 and 15 minute load averages of <c>/proc/loadavg</c>.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
