using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outpost.Server.Validation;

/// <summary>What a client must send for a field, in words: found by walking the body type's JSON contract along the path.</summary>
internal static class ExpectedForm
{
    /// <summary>The CLR type at <paramref name="path"/> (<c>$.parameters[0].value</c>) inside <paramref name="root"/>, or null when the path leaves the contract.</summary>
    public static Type? TypeAt(Type root, string? path, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        var type = root;
        foreach (var segment in Segments(path))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (segment is null)
            {
                type = ElementType(type);
            }
            else
            {
                var info = options.GetTypeInfo(type);
                type = info.Kind switch
                {
                    JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(p => p.Name == segment)?.PropertyType,
                    JsonTypeInfoKind.Dictionary => DictionaryValueType(type),
                    _ => null,
                };
            }

            if (type is null)
            {
                return null;
            }
        }

        return type;
    }

    /// <summary>The expected form of a value of <paramref name="type"/>: "a UUID", "one of start, stop, delete", ….</summary>
    public static string Describe(Type type, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        var nullable = Nullable.GetUnderlyingType(type);
        var underlying = nullable ?? type;
        var form = underlying switch
        {
            _ when underlying == typeof(string) => "a string",
            _ when underlying == typeof(Guid) => "a UUID (like 3f2504e0-4f89-11d3-9a0c-0305e82c3301)",
            _ when underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(short) => "an integer",
            _ when underlying == typeof(double) || underlying == typeof(float) || underlying == typeof(decimal) => "a number",
            _ when underlying == typeof(bool) => "true or false",
            _ when underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime) => "an RFC 3339 timestamp (like 2026-01-31T12:00:00Z)",
            _ when underlying == typeof(byte[]) => "base64-encoded bytes",
            _ when underlying.IsEnum => "one of " + string.Join(", ", Enum.GetNames(underlying).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName)),
            _ when DictionaryValueType(underlying) is { } value => "an object whose values are each " + Describe(value, options),
            _ when ElementType(underlying) is { } element => "an array whose items are each " + Describe(element, options),
            _ => "a JSON object",
        };
        return nullable is not null ? form + " (or null)" : form;
    }

    /// <summary>Property names in order; null stands for an array index.</summary>
    internal static IEnumerable<string?> Segments(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '$')
        {
            yield break;
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                yield return path[(i + 1)..end];
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    yield break;
                }

                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0)
                {
                    yield break;
                }

                yield return null;
                i = end + 1;
            }
            else
            {
                yield break;
            }
        }
    }

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var element] ? element : null;
    }

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is [var key, var value] && key == typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) ? value : null;
}
