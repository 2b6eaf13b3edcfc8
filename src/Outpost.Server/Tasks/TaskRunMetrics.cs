using System.Diagnostics.Metrics;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Tasks;

/// <summary>The task run instruments on the server's meter (issue 23): runs stored, by classification.</summary>
internal static class TaskRunMetrics
{
    public static readonly Counter<long> Runs = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_task_runs",
        unit: null,
        description: "Task runs whose run observability summary was stored, by classification (success, external_stream_disconnect, tool_failure, …).");

    public static readonly Counter<long> Rejected = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_task_run_summaries_rejected",
        unit: null,
        description: "Task messages refused because their run observability summary was not acceptable (400, field named).");

    public static void Stored(string classification) => Runs.Add(1, new KeyValuePair<string, object?>("classification", classification));

    public static void EnsureInstruments()
    {
        GC.KeepAlive(Runs);
        GC.KeepAlive(Rejected);
    }
}
