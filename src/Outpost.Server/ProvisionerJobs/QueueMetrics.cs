using System.Diagnostics.Metrics;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>The queue's metrics (coder-spec §7, with the <c>outpost_</c> prefix).</summary>
internal static class QueueMetrics
{
    public static readonly Counter<long> BuildsEnqueued = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_workspace_builds_enqueued",
        unit: null,
        description: "Workspace builds enqueued, by provisioner_type, build_reason, transition and status (success or failed).");

    public static readonly Histogram<double> QueueWait = ServerDiagnostics.Meter.CreateHistogram(
        "outpost_provisioner_job_queue_wait",
        unit: "s",
        description: "Time from a job's creation to its acquisition by a daemon (at least 1 ms).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 900, 1800] });

    public static readonly Histogram<double> CreationDuration = ServerDiagnostics.Meter.CreateHistogram(
        "outpost_workspace_creation_duration",
        unit: "s",
        description: "From the first start build's acquisition to its successful completion.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10, 30, 60, 300, 600, 1800, 3600] });

    public static readonly Counter<long> JobsReaped = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_provisioner_jobs_reaped",
        unit: null,
        description: "Jobs the reaper failed, by type (pending or hung).");

    public static readonly Counter<long> ReaperErrors = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_provisioner_job_reaper_errors",
        unit: null,
        description: "Reaper passes that failed; the loop carries on.");

    /// <summary>The spec's floor: clock skew between replicas must not produce zero or negative waits.</summary>
    public static double QueueWaitSeconds(DateTimeOffset createdAt, DateTimeOffset startedAt) =>
        Math.Max((startedAt - createdAt).TotalSeconds, 0.001);

    public static void EnsureInstruments()
    {
        GC.KeepAlive(BuildsEnqueued);
        GC.KeepAlive(QueueWait);
        GC.KeepAlive(CreationDuration);
        GC.KeepAlive(JobsReaped);
        GC.KeepAlive(ReaperErrors);
    }
}
