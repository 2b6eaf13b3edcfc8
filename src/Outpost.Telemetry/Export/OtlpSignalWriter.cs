using System.Globalization;
using System.Text.Json;

namespace Outpost.Telemetry.Export;

/// <summary>
/// One OTLP/JSON export request (traces, logs or metrics) written as it streams: resource blocks
/// open and close as the block number changes, each with a single scope.
/// </summary>
internal sealed class OtlpSignalWriter : IAsyncDisposable
{
    public const string SchemaUrl = "https://opentelemetry.io/schemas/1.24.0";
    public const string ScopeName = "outpost.telemetry.export";
    public const string ServiceName = "outpost-cli";

    private readonly string _scopeArray;
    private readonly string _recordArray;
    private readonly string _exporterVersion;
    private readonly Stream _stream;
    private int _openBlock = -1;

    public OtlpSignalWriter(string resourceArray, string scopeArray, string recordArray, string exporterVersion, Stream stream)
    {
        _scopeArray = scopeArray;
        _recordArray = recordArray;
        _exporterVersion = exporterVersion;
        _stream = stream;
        Json = new Utf8JsonWriter(stream);
        Json.WriteStartObject();
        Json.WriteStartArray(resourceArray);
    }

    public Utf8JsonWriter Json { get; }

    /// <summary>OTLP records written, not source events (spec §10.6 manifest semantics).</summary>
    public int Records { get; private set; }

    public int SourceEvents { get; set; }

    /// <summary>Positions the writer inside the records array of <paramref name="block"/>; the caller writes one record.</summary>
    public Utf8JsonWriter BeginRecord(int block, TelemetryContext context)
    {
        if (_openBlock != block)
        {
            CloseBlock();
            OpenBlock(context);
            _openBlock = block;
        }

        Records++;
        return Json;
    }

    /// <summary>Closes the request and leaves the stream positioned after it.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        CloseBlock();
        Json.WriteEndArray();
        Json.WriteEndObject();
        await Json.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Json.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    public static void WriteStringAttribute(Utf8JsonWriter json, string key, string value)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteStartObject("value");
        json.WriteString("stringValue", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>An OTLP <c>arrayValue</c> of <c>stringValue</c>s.</summary>
    public static void WriteStringArrayAttribute(Utf8JsonWriter json, string key, IEnumerable<string> values)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteStartObject("value");
        json.WriteStartObject("arrayValue");
        json.WriteStartArray("values");
        foreach (var value in values)
        {
            json.WriteStartObject();
            json.WriteString("stringValue", value);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static void WriteDoubleAttribute(Utf8JsonWriter json, string key, double value)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteStartObject("value");
        json.WriteNumber("doubleValue", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>OTLP/JSON carries 64-bit integers as decimal strings.</summary>
    public static string Nanos(DateTimeOffset time) =>
        checked(time.ToUnixTimeMilliseconds() * 1_000_000).ToString(CultureInfo.InvariantCulture);

    public static string Nanos(long nanos) => nanos.ToString(CultureInfo.InvariantCulture);

    public static long NanosOf(DateTimeOffset time) => checked(time.ToUnixTimeMilliseconds() * 1_000_000);

    /// <summary>The resource of the process that produced an event; its serialization is the block key.</summary>
    public static string ResourceKey(TelemetryContext context) => string.Join(
        '\u001f',
        context.CliVersion,
        context.SessionId,
        context.MachineId,
        context.HostArch,
        context.OsType,
        context.OsVersion,
        context.PlatformName,
        context.PlatformVersion,
        context.DeploymentUrl);

    private void OpenBlock(TelemetryContext context)
    {
        Json.WriteStartObject();
        Json.WriteStartObject("resource");
        Json.WriteStartArray("attributes");
        WriteStringAttribute(Json, "service.name", ServiceName);
        WriteStringAttribute(Json, "service.version", context.CliVersion);
        WriteStringAttribute(Json, "service.instance.id", context.SessionId);
        WriteStringAttribute(Json, "host.id", context.MachineId);
        WriteStringAttribute(Json, "host.arch", context.HostArch);
        WriteStringAttribute(Json, "os.type", context.OsType);
        WriteStringAttribute(Json, "os.version", context.OsVersion);
        WriteStringAttribute(Json, "process.runtime.name", context.PlatformName);
        WriteStringAttribute(Json, "process.runtime.version", context.PlatformVersion);
        WriteStringAttribute(Json, "outpost.deployment.url", context.DeploymentUrl);
        Json.WriteEndArray();
        Json.WriteEndObject();
        Json.WriteString("schemaUrl", SchemaUrl);
        Json.WriteStartArray(_scopeArray);
        Json.WriteStartObject();
        Json.WriteStartObject("scope");
        Json.WriteString("name", ScopeName);
        Json.WriteString("version", _exporterVersion);
        Json.WriteEndObject();
        Json.WriteString("schemaUrl", SchemaUrl);
        Json.WriteStartArray(_recordArray);
    }

    private void CloseBlock()
    {
        if (_openBlock < 0)
        {
            return;
        }

        Json.WriteEndArray();
        Json.WriteEndObject();
        Json.WriteEndArray();
        Json.WriteEndObject();
        _openBlock = -1;
    }
}
