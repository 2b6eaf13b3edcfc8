using System.Text.Json;

namespace Outpost.Telemetry.Export;

/// <summary>
/// OTLP/JSON as JSON Lines: one export request per signal and line, always three lines (traces,
/// then logs, then metrics; a signal without records is <c>{"resourceSpans":[]}</c> and so on), the format the OpenTelemetry Collector's <c>otlpjsonfile</c> receiver reads and each
/// line the body an OTLP/HTTP endpoint accepts. Routing, resource blocks, attributes and status
/// follow spec §10.6; signals are staged in a private temp directory so memory stays flat.
/// </summary>
public sealed class OtlpJsonExportWriter : ITelemetryExportWriter
{
    public const string EventNameAttribute = "outpost.event_name";

    public string Format => "otlp";

    public string FileExtension => ".otlp.jsonl";

    /// <summary>Per-signal source event counts of the last export, for the caller's summary.</summary>
    public (int Logs, int Traces, int Metrics) LastCounts { get; private set; }

    public async Task<int> WriteAsync(IEnumerable<TelemetryEvent> events, ExportDescriptor descriptor, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(output);
        var staging = Directory.CreateTempSubdirectory("outpost-telemetry-otlp-");
        try
        {
            var version = descriptor.ExporterVersion;
            await using var traces = new OtlpSignalWriter("resourceSpans", "scopeSpans", "spans", version, Stage(staging, "traces.json"));
            await using var logs = new OtlpSignalWriter("resourceLogs", "scopeLogs", "logRecords", version, Stage(staging, "logs.json"));
            await using var metrics = new OtlpSignalWriter("resourceMetrics", "scopeMetrics", "metrics", version, Stage(staging, "metrics.json"));
            var metricBuffer = new OtlpMetricBuffer(metrics);

            var block = -1;
            (DateOnly, string)? blockKey = null;
            foreach (var telemetryEvent in events)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var key = (DateOnly.FromDateTime(telemetryEvent.Timestamp.UtcDateTime), OtlpSignalWriter.ResourceKey(telemetryEvent.Context));
                if (blockKey != key)
                {
                    metricBuffer.EndBlock();
                    blockKey = key;
                    block++;
                }

                try
                {
                    Route(telemetryEvent, block, traces, logs, metricBuffer);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    throw new InvalidOperationException($"Failed to export event {telemetryEvent.EventId} ({telemetryEvent.EventName}): {exception.Message}", exception);
                }
            }

            metricBuffer.EndBlock();
            LastCounts = (logs.SourceEvents, traces.SourceEvents, metrics.SourceEvents);
            foreach (var signal in new[] { traces, logs, metrics })
            {
                await signal.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var (signal, name, resource) in new[] { (traces, "traces.json", "resourceSpans"), (logs, "logs.json", "resourceLogs"), (metrics, "metrics.json", "resourceMetrics") })
            {
                if (signal.Records == 0)
                {
                    // Every signal has its line, an empty export request when it has no records: an
                    // export is never an empty file, even when its events made no record (a zero count).
                    output.Write(System.Text.Encoding.UTF8.GetBytes($"{{\"{resource}\":[]}}\n"));
                    continue;
                }

                await signal.DisposeAsync().ConfigureAwait(false);
                await using var staged = File.OpenRead(Path.Combine(staging.FullName, name));
                await staged.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                output.Write("\n"u8);
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return logs.SourceEvents + traces.SourceEvents + metrics.SourceEvents;
        }
        finally
        {
            try
            {
                staging.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover staging directory in the OS temp folder is harmless; the export is not.
            }
        }
    }

    private static FileStream Stage(DirectoryInfo staging, string name) =>
        new(Path.Combine(staging.FullName, name), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 64 * 1024);

    private static void Route(TelemetryEvent telemetryEvent, int block, OtlpSignalWriter traces, OtlpSignalWriter logs, OtlpMetricBuffer metrics)
    {
        if (OtlpMetricBuffer.IsMetricEvent(telemetryEvent.EventName))
        {
            metrics.Add(telemetryEvent, block);
        }
        else if (telemetryEvent.TraceId is not null && telemetryEvent.Properties.ContainsKey(TelemetryEvent.ResultProperty))
        {
            traces.SourceEvents++;
            WriteSpan(traces.BeginRecord(block, telemetryEvent.Context), telemetryEvent);
        }
        else
        {
            logs.SourceEvents++;
            WriteLog(logs.BeginRecord(block, telemetryEvent.Context), telemetryEvent);
        }
    }

    private static void WriteLog(Utf8JsonWriter json, TelemetryEvent e)
    {
        var time = OtlpSignalWriter.Nanos(e.Timestamp);
        json.WriteStartObject();
        json.WriteString("timeUnixNano", time);
        json.WriteString("observedTimeUnixNano", time);
        json.WriteNumber("severityNumber", e.Error is null ? 9 : 17);
        json.WriteString("severityText", e.Error is null ? "INFO" : "ERROR");
        json.WriteStartObject("body");
        json.WriteString("stringValue", e.EventName);
        json.WriteEndObject();
        json.WriteStartArray("attributes");
        WriteProperties(json, e);
        foreach (var (key, value) in e.Measurements)
        {
            OtlpSignalWriter.WriteDoubleAttribute(json, key, value);
        }

        WriteExceptionAttributes(json, e.Error);
        json.WriteEndArray();
        if (e.TraceId is not null)
        {
            json.WriteString("traceId", e.TraceId);
        }

        if (e.ParentEventId is not null)
        {
            json.WriteString("spanId", e.ParentEventId);
        }

        json.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter json, TelemetryEvent e)
    {
        var end = OtlpSignalWriter.NanosOf(e.Timestamp);
        var duration = e.Measurements.TryGetValue(TelemetryEvent.DurationMeasurement, out var ms) && double.IsFinite(ms) && ms > 0 ? ms : 0;
        var start = end - (long)Math.Round(duration * 1_000_000);
        var (code, message) = Status(e);

        json.WriteStartObject();
        json.WriteString("traceId", e.TraceId);
        json.WriteString("spanId", e.EventId);
        if (e.ParentEventId is not null)
        {
            json.WriteString("parentSpanId", e.ParentEventId);
        }

        json.WriteString("name", e.EventName);
        json.WriteNumber("kind", 1);
        json.WriteString("startTimeUnixNano", OtlpSignalWriter.Nanos(start));
        json.WriteString("endTimeUnixNano", OtlpSignalWriter.Nanos(end));
        json.WriteStartArray("attributes");
        WriteProperties(json, e);
        foreach (var (key, value) in e.Measurements)
        {
            if (key != TelemetryEvent.DurationMeasurement)
            {
                OtlpSignalWriter.WriteDoubleAttribute(json, key, value);
            }
        }

        OtlpSignalWriter.WriteStringAttribute(json, EventNameAttribute, e.EventName);
        if (code == 2 && !e.Properties.ContainsKey("error.type"))
        {
            OtlpSignalWriter.WriteStringAttribute(json, "error.type", e.Error?.Type ?? e.Error?.Code ?? "_OTHER");
        }

        json.WriteEndArray();
        if (e.Error is not null)
        {
            json.WriteStartArray("events");
            json.WriteStartObject();
            json.WriteString("name", "exception");
            json.WriteString("timeUnixNano", OtlpSignalWriter.Nanos(end));
            json.WriteStartArray("attributes");
            WriteExceptionAttributes(json, e.Error);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteStartObject("status");
        json.WriteNumber("code", code);
        if (message is not null)
        {
            json.WriteString("message", message);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static (int Code, string? Message) Status(TelemetryEvent e)
    {
        e.Properties.TryGetValue(TelemetryEvent.ResultProperty, out var result);
        return result switch
        {
            "success" => (1, null),
            "aborted" => (0, null),
            "error" => (2, e.Error?.Message),
            null when e.Error is not null => (2, e.Error.Message),
            _ => (0, null),
        };
    }

    private static void WriteProperties(Utf8JsonWriter json, TelemetryEvent e)
    {
        foreach (var (key, value) in e.Properties)
        {
            if (e.ArrayPropertyKeys.Contains(key))
            {
                OtlpSignalWriter.WriteStringArrayAttribute(json, key, TelemetryPropertyValues.FromJsonArray(value));
            }
            else
            {
                OtlpSignalWriter.WriteStringAttribute(json, key, value);
            }
        }
    }

    private static void WriteExceptionAttributes(Utf8JsonWriter json, TelemetryError? error)
    {
        if (error is null)
        {
            return;
        }

        OtlpSignalWriter.WriteStringAttribute(json, "exception.message", error.Message);
        if (error.Type is not null)
        {
            OtlpSignalWriter.WriteStringAttribute(json, "exception.type", error.Type);
        }

        if (error.Code is not null)
        {
            OtlpSignalWriter.WriteStringAttribute(json, "exception.code", error.Code);
        }
    }
}
