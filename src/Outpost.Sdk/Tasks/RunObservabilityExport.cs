using System.Text.Json.Serialization;

namespace Outpost.Sdk.Tasks;

/// <summary>
/// An assistant message's <c>diagnostics</c> (run-observability-spec §10.1): its run summary, incident included.
/// </summary>
public sealed record RunMessageDiagnostics
{
    /// <summary>The run summary; absent for messages that are not the end of a run.</summary>
    public RunObservability? RunObservability { get; init; }
}

/// <summary>
/// The export's top-level <c>diagnostics</c> (spec §10.2): every run summary and every incident, sorted by
/// session id and then message id (ordinal). In a sanitized export each incident's evidence is bounded again (§6.7).
/// </summary>
public sealed record RunDiagnosticsExport
{
    /// <summary><see cref="RunObservability.CurrentSchemaVersion"/> when at least one summary exists; absent otherwise.</summary>
    public int? RunObservabilitySchemaVersion { get; init; }

    /// <summary>Every run summary.</summary>
    public required IReadOnlyList<RunObservability> RunObservability { get; init; }

    /// <summary><see cref="RunIncident.CurrentSchemaVersion"/> when at least one incident exists; absent otherwise.</summary>
    public int? RunIncidentSchemaVersion { get; init; }

    /// <summary>The incident of every summary that has one.</summary>
    public required IReadOnlyList<RunIncident> RunIncidents { get; init; }
}

/// <summary>JSON metadata for the run observability types (kept apart from the shared context to keep merges small).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunObservability))]
[JsonSerializable(typeof(RunIncident))]
[JsonSerializable(typeof(RunMessageDiagnostics))]
[JsonSerializable(typeof(RunDiagnosticsExport))]
public sealed partial class RunObservabilityJsonContext : JsonSerializerContext;
