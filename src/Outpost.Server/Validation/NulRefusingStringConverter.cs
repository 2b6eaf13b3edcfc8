using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Server.Validation;

/// <summary>
/// Reads every JSON string of a request body and refuses one holding U+0000: PostgreSQL's
/// <c>text</c> cannot store it, so it would otherwise surface as a 500 from deep inside a query.
/// </summary>
internal sealed class NulRefusingStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a string, found {reader.TokenType}");
        }

        var value = reader.GetString()!;
        return TextRules.HasNul(value) ? throw new NulCharacterException() : value;
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString()!;
        return TextRules.HasNul(value) ? throw new NulCharacterException() : value;
    }

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}

/// <summary>A JSON string held a NUL character; the serializer adds the path.</summary>
internal sealed class NulCharacterException() : JsonException("the string contains a NUL (U+0000) character");
