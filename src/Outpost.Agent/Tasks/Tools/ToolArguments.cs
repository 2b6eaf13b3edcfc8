using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary>A tool call's arguments, parsed from the model's JSON text; a missing or mistyped argument is a message for the model.</summary>
internal sealed class ToolArguments
{
    private readonly JsonElement _root;

    private ToolArguments(JsonElement root) => _root = root;

    /// <summary>Parses the model's text; null with <paramref name="error"/> when it is not a JSON object.</summary>
    public static ToolArguments? Parse(string json, out string? error)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "the arguments must be a JSON object";
                return null;
            }

            error = null;
            return new ToolArguments(document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            error = $"the arguments are not valid JSON: {ex.Message}";
            return null;
        }
    }

    /// <summary>A required string; null with <paramref name="error"/> naming it when absent or not a string.</summary>
    public string? Required(string name, out string? error)
    {
        var value = Optional(name);
        error = value is null ? $"missing required string argument \"{name}\"" : null;
        return value;
    }

    public string? Optional(string name) =>
        _root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public int? Integer(string name) =>
        _root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    /// <summary>The JSON schema of an object with these string properties (a trailing <c>?</c> marks one optional).</summary>
    public static JsonElement Schema(params (string Name, string Type, string Description)[] properties)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            foreach (var (name, type, description) in properties)
            {
                writer.WriteStartObject(name.TrimEnd('?'));
                writer.WriteString("type", type);
                writer.WriteString("description", description);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartArray("required");
            foreach (var (name, _, _) in properties.Where(p => !p.Name.EndsWith('?')))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        return document.RootElement.Clone();
    }
}
