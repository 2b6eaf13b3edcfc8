namespace Outpost.Telemetry;

/// <summary>
/// One emitted telemetry record: a plain log, a span log, or a completed span or phase
/// (vscode-telemetry-spec §2.1). Immutable once emitted, so sinks may hold it without copying.
/// </summary>
internal sealed record TelemetryEvent
{
    /// <summary>The wire schema version every emitted event carries.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Framework-owned property set on spans and phases only.</summary>
    public const string ResultProperty = "result";

    /// <summary>Framework-owned measurement set on spans and phases only; camelCase in every profile.</summary>
    public const string DurationMeasurement = "durationMs";

    public required string EventId { get; init; }

    public required string EventName { get; init; }

    /// <summary>UTC, truncated to whole milliseconds; for a span this is its end time.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required long EventSequence { get; init; }

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required TelemetryContext Context { get; init; }

    public required IReadOnlyDictionary<string, string> Properties { get; init; }

    public required IReadOnlyDictionary<string, double> Measurements { get; init; }

    public string? TraceId { get; init; }

    public string? ParentEventId { get; init; }

    public TelemetryError? Error { get; init; }
}
