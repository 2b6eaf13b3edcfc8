using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// The export side of run observability (run-observability-spec §6.7, §10): the top-level <c>diagnostics</c> built
/// from stored summaries, and the sanitize pass of an opt-in sanitized export. Summaries are copied as stored; legacy
/// fields are never re-derived (§6.7).
/// </summary>
public static class RunDiagnosticsExports
{
    /// <summary>§10.2: every summary and every incident, sorted by session id then message id (ordinal, §10.2's note).</summary>
    /// <param name="summaries">The stored summaries of the assistant messages.</param>
    /// <returns>The top-level diagnostics.</returns>
    public static RunDiagnosticsExport Collect(IEnumerable<RunObservability> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var sorted = summaries
            .OrderBy(static s => s.SessionId, StringComparer.Ordinal)
            .ThenBy(static s => s.MessageId, StringComparer.Ordinal)
            .ToList();
        var incidents = sorted.Where(static s => s.Incident is not null).Select(static s => s.Incident!).ToList();
        return new RunDiagnosticsExport
        {
            RunObservabilitySchemaVersion = sorted.Count > 0 ? RunObservability.CurrentSchemaVersion : null,
            RunObservability = sorted,
            RunIncidentSchemaVersion = incidents.Count > 0 ? RunIncident.CurrentSchemaVersion : null,
            RunIncidents = incidents,
        };
    }

    /// <summary>§6.7 per message: the summary as is, its incident sanitized again.</summary>
    /// <param name="summary">A stored summary.</param>
    /// <returns>The sanitized summary.</returns>
    public static RunObservability Sanitize(RunObservability summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.Incident is null ? summary : summary with { Incident = Sanitize(summary.Incident) };
    }

    /// <summary>§6.7: the evidence bounded again with its redaction markers sanitized (§6.6); the rest as stored.</summary>
    /// <param name="incident">A stored incident.</param>
    /// <returns>The sanitized incident.</returns>
    public static RunIncident Sanitize(RunIncident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return incident with { Evidence = RunEvidenceBounding.Bound(incident.Evidence, incident.IncidentId) };
    }

    /// <summary>
    /// §6.7 top level: every summary sanitized; <c>run_incidents</c> the existing list or, when empty, built from the
    /// summaries, every incident sanitized; the schema versions kept or set when a summary (an incident) exists.
    /// </summary>
    /// <param name="diagnostics">The collected diagnostics.</param>
    /// <returns>The sanitized diagnostics.</returns>
    public static RunDiagnosticsExport Sanitize(RunDiagnosticsExport diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var summaries = diagnostics.RunObservability.Select(Sanitize).ToList();
        var incidents = (diagnostics.RunIncidents.Count > 0
                ? diagnostics.RunIncidents
                : diagnostics.RunObservability.Where(static s => s.Incident is not null).Select(static s => s.Incident!))
            .Select(Sanitize)
            .ToList();
        return diagnostics with
        {
            RunObservabilitySchemaVersion = diagnostics.RunObservabilitySchemaVersion ?? (summaries.Count > 0 ? RunObservability.CurrentSchemaVersion : null),
            RunObservability = summaries,
            RunIncidents = incidents,
            RunIncidentSchemaVersion = diagnostics.RunIncidentSchemaVersion ?? (incidents.Count > 0 ? RunIncident.CurrentSchemaVersion : null),
        };
    }
}
