using System.Text.Json.Serialization;

namespace Outpost.Telemetry.Local;

/// <summary>Line 1 of every local file (MAIN profile, spec §4.2).</summary>
internal sealed record TelemetryFileHeader
{
    public const string HeaderKind = "header";

    public string Kind { get; init; } = HeaderKind;

    public required int SchemaVersion { get; init; }

    public required string Timestamp { get; init; }

    public required TelemetryFileContext Context { get; init; }
}

/// <summary>The session context as written in a header; no deployment URL, which rows carry.</summary>
internal sealed record TelemetryFileContext
{
    public string? CliVersion { get; init; }

    public string? MachineId { get; init; }

    public string? SessionId { get; init; }

    public string? OsType { get; init; }

    public string? OsVersion { get; init; }

    public string? HostArch { get; init; }

    public string? PlatformName { get; init; }

    public string? PlatformVersion { get; init; }
}

/// <summary>One event row: slim, inheriting session context and schema version from the header.</summary>
internal sealed record TelemetryFileRow
{
    public required string EventId { get; init; }

    public required string EventName { get; init; }

    public required string Timestamp { get; init; }

    public required long EventSequence { get; init; }

    public required TelemetryPropertyValues Properties { get; init; }

    public required IReadOnlyDictionary<string, double> Measurements { get; init; }

    public string? TraceId { get; init; }

    public string? ParentEventId { get; init; }

    public TelemetryFileError? Error { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string DeploymentUrl { get; init; }
}

internal sealed record TelemetryFileError
{
    public required string Message { get; init; }

    public string? Type { get; init; }

    public string? Code { get; init; }
}

/// <summary>Any line read back: the union of header and row keys, every one optional, checked by the reader.</summary>
internal sealed record TelemetryFileLine
{
    public string? Kind { get; init; }

    public long? SchemaVersion { get; init; }

    public string? Timestamp { get; init; }

    public TelemetryFileContext? Context { get; init; }

    public string? EventId { get; init; }

    public string? EventName { get; init; }

    public long? EventSequence { get; init; }

    public TelemetryPropertyValues? Properties { get; init; }

    public Dictionary<string, double>? Measurements { get; init; }

    public string? TraceId { get; init; }

    public string? ParentEventId { get; init; }

    public TelemetryFileError? Error { get; init; }

    public string? DeploymentUrl { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // Keys inside properties and measurements are written exactly as the caller gave them (spec §2.4).
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(TelemetryFileHeader))]
[JsonSerializable(typeof(TelemetryFileRow))]
[JsonSerializable(typeof(TelemetryFileLine))]
internal sealed partial class TelemetryWireContext : JsonSerializerContext;
