using System.Globalization;
using System.Text.Json;

namespace Outpost.Workflows.Expressions;

/// <summary>
/// The values expressions work on: null, bool, long, double, string, lists
/// (<see cref="IReadOnlyList{T}"/> of object) and objects (<see cref="IReadOnlyDictionary{TKey, TValue}"/>
/// of string to object), as YAML and JSON inputs give them.
/// </summary>
internal static class ExpressionValues
{
    /// <summary>false, 0, "", null are false; everything else is true.</summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool flag => flag,
        long integer => integer != 0,
        double number => number != 0 && !double.IsNaN(number),
        string text => text.Length > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or int or double;

    public static double ToDouble(object? value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);

    /// <summary>Equality without coercion across kinds: numbers compare by value, strings ordinally, lists and objects never equal.</summary>
    public static bool AreEqual(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        _ when IsNumber(left) && IsNumber(right) => ToDouble(left) == ToDouble(right),
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (bool a, bool b) => a == b,
        _ => false,
    };

    /// <summary>How a value reads inside a longer string (spec §9.8): null is empty, objects and lists are indented JSON.</summary>
    public static string ToText(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        long integer => integer.ToString(CultureInfo.InvariantCulture),
        int integer => integer.ToString(CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        _ => ToJson(value, indented: true),
    };

    public static string ToJson(object? value, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string KindOf(object? value) => value switch
    {
        null => "null",
        bool => "boolean",
        long or int or double => "number",
        string => "string",
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<string, object?> => "object",
        _ => value.GetType().Name,
    };

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case long integer:
                writer.WriteNumberValue(integer);
                break;
            case int integer:
                writer.WriteNumberValue(integer);
                break;
            case double number:
                writer.WriteNumberValue(number);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}
