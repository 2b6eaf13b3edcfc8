namespace Outpost.Telemetry;

/// <summary>
/// One emitted telemetry record: a plain log, a span log, or a completed span or phase
/// (vscode-telemetry-spec §2.1). Immutable once emitted, so sinks may hold it without copying.
/// </summary>
public sealed class TelemetryEvent
{
    private string? _eventId;
    private ulong _eventIdValue;
    private string? _traceId;
    private UInt128 _traceIdValue;
    private string? _parentEventId;
    private ulong _parentEventIdValue;

    /// <summary>The wire schema version every emitted event carries.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Framework-owned property set on spans and phases only.</summary>
    public const string ResultProperty = "result";

    /// <summary>Framework-owned measurement set on spans and phases only; camelCase in every profile.</summary>
    public const string DurationMeasurement = "durationMs";

    /// <summary>Set as text (read back from a file) or as <see cref="EventIdValue"/> (emitted here).</summary>
    public string EventId
    {
        get => _eventId ??= TelemetryIds.Format(_eventIdValue);
        init => _eventId = value;
    }

    internal ulong EventIdValue
    {
        init => _eventIdValue = value;
    }

    public required string EventName { get; init; }

    /// <summary>UTC, truncated to whole milliseconds; for a span this is its end time.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required long EventSequence { get; init; }

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required TelemetryContext Context { get; init; }

    public required IReadOnlyDictionary<string, string> Properties { get; init; }

    /// <summary>Keys of <see cref="Properties"/> whose value is a JSON array of strings (written as an array, not a string).</summary>
    public IReadOnlySet<string> ArrayPropertyKeys { get; init; } = TelemetryPropertyValues.NoArrayKeys;

    public required IReadOnlyDictionary<string, double> Measurements { get; init; }

    public string? TraceId
    {
        get => _traceId ??= _traceIdValue == UInt128.Zero ? null : TelemetryIds.Format(_traceIdValue);
        init => _traceId = value;
    }

    internal UInt128 TraceIdValue
    {
        init => _traceIdValue = value;
    }

    public string? ParentEventId
    {
        get => _parentEventId ??= _parentEventIdValue == 0 ? null : TelemetryIds.Format(_parentEventIdValue);
        init => _parentEventId = value;
    }

    internal ulong ParentEventIdValue
    {
        init => _parentEventIdValue = value;
    }

    public TelemetryError? Error { get; init; }
}
