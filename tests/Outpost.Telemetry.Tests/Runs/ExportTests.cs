using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// run-observability-spec §6.7 (sanitized export) and §10.2 (top-level diagnostics).
public sealed class ExportTests
{
    private static RunObservability Failed(string session, string message)
    {
        var r = new RunRecording(TestRun.Identity with { SessionId = session, MessageId = message }, 0);
        var a = r.BeginAttempt(TestRun.Created, 1);
        r.TransportFail(a, 2, TestRun.Reset());
        return RunSummaryDerivation.Build(r, TestRun.Created, 3);
    }

    private static RunObservability Succeeded(string session, string message) =>
        RunSummaryDerivation.Build(new RunRecording(TestRun.Identity with { SessionId = session, MessageId = message }, 0), TestRun.Created, 1);

    [Fact]
    public void Collect_sorts_by_session_then_message_and_lists_every_incident()
    {
        var diagnostics = RunDiagnosticsExports.Collect([Failed("t2", "m1"), Succeeded("t1", "m2"), Failed("t1", "m1")]);

        Assert.Equal(1, diagnostics.RunObservabilitySchemaVersion);
        Assert.Equal(["t1/m1", "t1/m2", "t2/m1"], diagnostics.RunObservability.Select(s => s.SessionId + "/" + s.MessageId));
        Assert.Equal(1, diagnostics.RunIncidentSchemaVersion);
        Assert.Equal(["incident:m1", "incident:m1"], diagnostics.RunIncidents.Select(i => i.IncidentId));
        Assert.Equal(["t1", "t2"], diagnostics.RunIncidents.Select(i => i.SessionId));
    }

    [Fact]
    public void Without_summaries_or_incidents_the_schema_versions_are_absent()
    {
        var none = RunDiagnosticsExports.Collect([]);
        Assert.Null(none.RunObservabilitySchemaVersion);
        Assert.Null(none.RunIncidentSchemaVersion);

        var quiet = RunDiagnosticsExports.Collect([Succeeded("t", "m")]);
        Assert.Equal(1, quiet.RunObservabilitySchemaVersion);
        Assert.Null(quiet.RunIncidentSchemaVersion);
        Assert.Empty(quiet.RunIncidents);
    }

    [Fact]
    public void Sanitizing_bounds_stored_evidence_and_never_rederives_legacy_fields()
    {
        // §6.7: the incident is bounded again; a stored classification that disagrees with the incident stays as stored.
        var stored = Failed("t", "m");
        var oversized = stored with
        {
            Classification = RunClassification.ToolFailure,
            Incident = stored.Incident! with
            {
                Evidence = [.. Enumerable.Range(1, 40).Select(i => stored.Incident.Evidence[0] with { Order = i, EventId = "incident:m:evidence:" + i, Redactions = ["/etc/passwd"] })],
            },
        };
        var sanitized = RunDiagnosticsExports.Sanitize(oversized);

        Assert.Equal(RunClassification.ToolFailure, sanitized.Classification);
        Assert.Equal(RunCauseCategory.ProviderTransportDisconnect, sanitized.Incident!.TerminalCause.Category);
        Assert.True(sanitized.Incident.Evidence.Count <= RunEvidenceBounding.Cap);
        Assert.All(sanitized.Incident.Evidence.Where(e => e.Redactions is not null), e => Assert.Equal(["redacted"], e.Redactions));
        Assert.Equal(stored.Error, sanitized.Error);
    }

    [Fact]
    public void The_sanitized_top_level_builds_run_incidents_from_the_summaries_when_none_are_listed()
    {
        var summaries = new[] { Failed("t", "m1"), Succeeded("t", "m2") };
        var diagnostics = new RunDiagnosticsExport { RunObservability = summaries, RunIncidents = [] };
        var sanitized = RunDiagnosticsExports.Sanitize(diagnostics);

        Assert.Equal(1, sanitized.RunIncidentSchemaVersion);
        Assert.Equal("incident:m1", Assert.Single(sanitized.RunIncidents).IncidentId);
        Assert.Equal(1, sanitized.RunObservabilitySchemaVersion);
        Assert.Equal(Json(sanitized), Json(RunDiagnosticsExports.Sanitize(sanitized)));
    }

    private static string Json(RunDiagnosticsExport diagnostics) =>
        System.Text.Json.JsonSerializer.Serialize(diagnostics, RunObservabilityJsonContext.Default.RunDiagnosticsExport);
}
