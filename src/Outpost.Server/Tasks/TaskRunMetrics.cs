using System.Diagnostics.Metrics;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Tasks;

/// <summary>The task run instruments on the server's meter (issue 23): runs stored, by classification, and the recorder faults their summaries report.</summary>
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

    public static readonly Counter<long> InternalErrors = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_task_run_internal_errors",
        unit: null,
        description: "Faults of the agents' run observability recorders (each logged and swallowed by the agent), from the stored summaries.");

    /// <summary>Counts a stored run: its classification, and the recorder faults its summary reports.</summary>
    public static void Stored(RunObservability summary)
    {
        Runs.Add(1, new KeyValuePair<string, object?>("classification", WireName.Of(summary.Classification)));
        if (summary.InternalErrors is > 0 and var faults)
        {
            InternalErrors.Add(faults);
        }
    }

    public static void EnsureInstruments()
    {
        GC.KeepAlive(Runs);
        GC.KeepAlive(Rejected);
        GC.KeepAlive(InternalErrors);
    }
}
