using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Telemetry.Export;

/// <summary>
/// A JSON array of self-contained events (spec §10.5): the row fields, then schema_version, then
/// the full context with deployment_url. One element per line so the file greps well.
/// </summary>
public sealed class JsonExportWriter : ITelemetryExportWriter
{
    public string Format => "json";

    public string FileExtension => ".json";

    public async Task<int> WriteAsync(IEnumerable<TelemetryEvent> events, ExportDescriptor descriptor, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(output);
        var count = 0;
        await using var writer = new Utf8JsonWriter(output);
        output.Write("["u8);
        foreach (var telemetryEvent in events)
        {
            output.Write(count == 0 ? "\n"u8 : ",\n"u8);
            JsonSerializer.Serialize(writer, ToExport(telemetryEvent), TelemetryExportJsonContext.Default.TelemetryExportEvent);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            writer.Reset();
            count++;
        }

        output.Write(count == 0 ? "]\n"u8 : "\n]\n"u8);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    private static TelemetryExportEvent ToExport(TelemetryEvent e) => new()
    {
        EventId = e.EventId,
        EventName = e.EventName,
        Timestamp = Local.TelemetryWireMapping.FormatTimestamp(e.Timestamp),
        EventSequence = e.EventSequence,
        Properties = new TelemetryPropertyValues(e.Properties, e.ArrayPropertyKeys),
        Measurements = e.Measurements,
        TraceId = e.TraceId,
        ParentEventId = e.ParentEventId,
        Error = e.Error is { } error ? new Local.TelemetryFileError { Message = error.Message, Type = error.Type, Code = error.Code } : null,
        SchemaVersion = e.SchemaVersion,
        Context = e.Context,
    };
}

internal sealed record TelemetryExportEvent
{
    public required string EventId { get; init; }

    public required string EventName { get; init; }

    public required string Timestamp { get; init; }

    public required long EventSequence { get; init; }

    public required TelemetryPropertyValues Properties { get; init; }

    public required IReadOnlyDictionary<string, double> Measurements { get; init; }

    public string? TraceId { get; init; }

    public string? ParentEventId { get; init; }

    public Local.TelemetryFileError? Error { get; init; }

    public required int SchemaVersion { get; init; }

    /// <summary>Serialized as-is: its members are the header context plus deployment_url, in file order.</summary>
    public required TelemetryContext Context { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(TelemetryExportEvent))]
internal sealed partial class TelemetryExportJsonContext : JsonSerializerContext;
