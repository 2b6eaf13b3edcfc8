using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Server.Tasks;

/// <summary>
/// Export-time sanitization of stored run summaries and incidents (spec §6.7, through
/// <see cref="RunDiagnosticsExports"/>): the summary is kept as stored, its incident passes again through evidence
/// bounding and redaction markers (which change nothing on what the recorder already bounded); legacy fields are not
/// re-derived. The full export repeats what is stored, untouched.
/// </summary>
internal static class TaskRunSanitizer
{
    public static string Summary(string stored, bool sanitize) =>
        sanitize && JsonSerializer.Deserialize(stored, RunObservabilityJsonContext.Default.RunObservability) is { } summary
            ? JsonSerializer.Serialize(RunDiagnosticsExports.Sanitize(summary), RunObservabilityJsonContext.Default.RunObservability)
            : stored;

    public static string Incident(string stored, bool sanitize) =>
        sanitize && JsonSerializer.Deserialize(stored, RunObservabilityJsonContext.Default.RunIncident) is { } incident
            ? JsonSerializer.Serialize(RunDiagnosticsExports.Sanitize(incident), RunObservabilityJsonContext.Default.RunIncident)
            : stored;
}
