using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// The <c>task.run.completed</c> event of the local telemetry stream (issue 23 point 6): one per run, when its summary
/// is final, with the derived facts only — classification, summary key, provider requests, duration, retry advice and
/// the incident's cause, phase and recovery. It never carries the prompt, the model's output or tool arguments: it is
/// made from the summary, which has none.
/// </summary>
public static class RunTelemetry
{
    public const string Completed = "task.run.completed";

    /// <summary>Logs <see cref="Completed"/> for <paramref name="summary"/> of a run of task <paramref name="taskId"/>.</summary>
    public static void RunCompleted(ITelemetryReporter telemetry, Guid taskId, RunObservability summary)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(summary);
        var incident = summary.Incident;
        telemetry.Log(Completed, new TelemetryProperties
        {
            { "taskId", taskId.ToString() },
            { "runId", summary.RunId },
            { "classification", WireName.Of(summary.Classification) },
            { "summaryKey", summary.SummaryKey },
            { "retrySafety", WireName.Of(summary.RetrySafety.Recommendation) },
            { "cause", incident is null ? "none" : WireName.Of(incident.TerminalCause.Category) },
            { "phase", incident is null ? "none" : WireName.Of(incident.Phase.RunPhase) },
            { "recovery", incident is null ? "none" : WireName.Of(incident.Recovery.Recommendation) },
        }, new TelemetryMeasurements
        {
            { "attempts", summary.Attempts.Count },
            { "durationMs", summary.DurationsMs.Total },
            { "internalErrors", summary.InternalErrors ?? 0 },
        });
    }
}
