using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Telemetry;

/// <summary>
/// The <c>properties</c> object of a row or an exported event: string values, and for the keys in
/// <see cref="ArrayKeys"/> a JSON array of strings. In memory an array value is its compact JSON
/// text, so every reader of <see cref="TelemetryEvent.Properties"/> still sees strings.
/// </summary>
[JsonConverter(typeof(TelemetryPropertyValuesConverter))]
internal sealed record TelemetryPropertyValues(IReadOnlyDictionary<string, string> Values, IReadOnlySet<string> ArrayKeys)
{
    public static readonly IReadOnlySet<string> NoArrayKeys = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Compact JSON, e.g. <c>["--name","--lifetime"]</c>.</summary>
    public static string ToJsonArray(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The strings of an array value written by <see cref="ToJsonArray"/>.</summary>
    public static IEnumerable<string> FromJsonArray(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(static item => item.GetString() ?? "")];
    }
}

/// <summary>Writes array keys as JSON arrays and every other value as a string; reads both back.</summary>
internal sealed class TelemetryPropertyValuesConverter : JsonConverter<TelemetryPropertyValues>
{
    public override TelemetryPropertyValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("properties must be an object");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        HashSet<string>? arrays = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return new TelemetryPropertyValues(values, arrays ?? TelemetryPropertyValues.NoArrayKeys);
            }

            var key = reader.GetString()!;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    values[key] = reader.GetString()!;
                    break;
                case JsonTokenType.StartArray:
                    var items = new List<string>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"property '{key}' must be an array of strings"));
                    }

                    values[key] = TelemetryPropertyValues.ToJsonArray(items);
                    (arrays ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
                    break;
                default:
                    throw new JsonException($"property '{key}' must be a string or an array of strings");
            }
        }

        throw new JsonException("unterminated properties object");
    }

    public override void Write(Utf8JsonWriter writer, TelemetryPropertyValues value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (key, text) in value.Values)
        {
            writer.WritePropertyName(key);
            if (value.ArrayKeys.Contains(key))
            {
                writer.WriteRawValue(text);
            }
            else
            {
                writer.WriteStringValue(text);
            }
        }

        writer.WriteEndObject();
    }
}
