using System.Text;
using System.Text.Json;

namespace Outpost.Telemetry.Local;

/// <summary>A line of a telemetry file that is not what the format allows (spec §4.3).</summary>
internal sealed class TelemetryFileParseException : IOException
{
    public TelemetryFileParseException(string fileName, int lineNumber, string detail, Exception? inner = null)
        : base($"Failed to parse telemetry file {fileName}:{lineNumber}: {detail}", inner)
    {
        FileName = fileName;
        LineNumber = lineNumber;
    }

    public string FileName { get; }

    public int LineNumber { get; }
}

/// <summary>
/// Reads local telemetry files back into events: header first, then rows that inherit its
/// context and schema version. Lazy, so a bad line stops the file where it is and the events
/// before it have already been handed out.
/// </summary>
internal static class TelemetryFileReader
{
    public static IEnumerable<TelemetryEvent> ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Read(Path.GetFileName(path), new StreamReader(stream, Encoding.UTF8));
    }

    /// <summary>Reads from <paramref name="reader"/> and disposes it when the enumeration ends.</summary>
    public static IEnumerable<TelemetryEvent> Read(string fileName, TextReader reader)
    {
        using (reader)
        {
            var state = new ReaderState(fileName);
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var telemetryEvent = state.Accept(line, lineNumber);
                if (telemetryEvent is not null)
                {
                    yield return telemetryEvent;
                }
            }
        }
    }

    private sealed class ReaderState(string fileName)
    {
        private readonly Dictionary<string, TelemetryContext> _contexts = new(StringComparer.Ordinal);
        private TelemetryFileContext? _header;
        private int _schemaVersion;

        public TelemetryEvent? Accept(string line, int lineNumber)
        {
            TelemetryFileLine? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize(line, TelemetryWireContext.Default.TelemetryFileLine);
            }
            catch (JsonException exception)
            {
                throw Fail(lineNumber, exception.Message, exception);
            }

            if (parsed is null)
            {
                throw Fail(lineNumber, "expected a JSON object");
            }

            if (parsed.Kind is not null)
            {
                AcceptHeader(parsed, lineNumber);
                return null;
            }

            if (_header is null)
            {
                throw Fail(lineNumber, "expected a file header before event rows");
            }

            return ToEvent(parsed, lineNumber);
        }

        private void AcceptHeader(TelemetryFileLine header, int lineNumber)
        {
            if (header.Kind != TelemetryFileHeader.HeaderKind)
            {
                throw Fail(lineNumber, $"unknown kind \"{header.Kind}\"");
            }

            if (_header is not null)
            {
                throw Fail(lineNumber, "unexpected second file header");
            }

            if (header.SchemaVersion is not { } version || version <= 0 || version > int.MaxValue)
            {
                throw Fail(lineNumber, "schema_version must be a positive integer");
            }

            if (!TelemetryWireMapping.TryParseTimestamp(header.Timestamp, out _))
            {
                throw Fail(lineNumber, $"invalid timestamp '{header.Timestamp}'");
            }

            _header = header.Context ?? throw Fail(lineNumber, "header has no context");
            _schemaVersion = (int)version;
        }

        private TelemetryEvent ToEvent(TelemetryFileLine row, int lineNumber)
        {
            if (string.IsNullOrEmpty(row.EventId) || string.IsNullOrEmpty(row.EventName))
            {
                throw Fail(lineNumber, "row needs event_id and event_name");
            }

            if (!TelemetryWireMapping.TryParseTimestamp(row.Timestamp, out var timestamp))
            {
                throw Fail(lineNumber, $"invalid timestamp '{row.Timestamp}'");
            }

            if (row.EventSequence is not { } sequence || sequence < 0)
            {
                throw Fail(lineNumber, "event_sequence must be a non-negative integer");
            }

            if (row.DeploymentUrl is not { } deploymentUrl)
            {
                throw Fail(lineNumber, "row has no deployment_url");
            }

            if (!_contexts.TryGetValue(deploymentUrl, out var context))
            {
                context = TelemetryWireMapping.ToContext(_header!, deploymentUrl);
                _contexts[deploymentUrl] = context;
            }

            return new TelemetryEvent
            {
                EventId = row.EventId,
                EventName = row.EventName,
                Timestamp = timestamp,
                EventSequence = sequence,
                SchemaVersion = _schemaVersion,
                Context = context,
                Properties = row.Properties?.Values ?? new Dictionary<string, string>(),
                ArrayPropertyKeys = row.Properties?.ArrayKeys ?? TelemetryPropertyValues.NoArrayKeys,
                Measurements = row.Measurements ?? [],
                TraceId = row.TraceId,
                ParentEventId = row.ParentEventId,
                Error = row.Error is { } error ? new TelemetryError(error.Message, error.Type, error.Code) : null,
            };
        }

        private TelemetryFileParseException Fail(int lineNumber, string detail, Exception? inner = null) =>
            new(fileName, lineNumber, detail, inner);
    }
}
