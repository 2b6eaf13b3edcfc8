using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MessagePack;

namespace Outpost.TerraformProvider.Cty;

/// <summary>
/// cty values in msgpack, the encoding of the protocol's <c>DynamicValue</c>: null is nil, an
/// unknown value is an extension (any code: plain unknowns use 0, refined ones 12), strings,
/// numbers and bools are themselves, lists and sets are arrays, maps and objects are maps keyed by
/// name. In memory: null, <see cref="Unknown.Value"/>, <see cref="string"/>, <see cref="decimal"/>,
/// <see cref="bool"/>, <see cref="List{T}"/> of values, and <see cref="SortedDictionary{TKey, TValue}"/>
/// for maps and objects (an object always carries every attribute of its type).
/// </summary>
internal static class CtyMsgpack
{
    public static object? Decode(ReadOnlyMemory<byte> data, CtyType type)
    {
        if (data.IsEmpty)
        {
            return null;
        }

        var reader = new MessagePackReader(data);
        return Read(ref reader, type);
    }

    public static byte[] Encode(object? value, CtyType type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, value, type);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A value from its JSON form (state stored by Terraform), typed by <paramref name="type"/>.</summary>
    public static object? FromJson(JsonElement json, CtyType type)
    {
        if (json.ValueKind == JsonValueKind.Null || json.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        switch (type)
        {
            case CtyType.Primitive { Name: "string" }:
                return json.ValueKind == JsonValueKind.String ? json.GetString() : json.GetRawText();
            case CtyType.Primitive { Name: "number" }:
                return json.ValueKind == JsonValueKind.Number ? json.GetDecimal() : decimal.Parse(json.GetString()!, CultureInfo.InvariantCulture);
            case CtyType.Primitive { Name: "bool" }:
                return json.ValueKind == JsonValueKind.True || (json.ValueKind == JsonValueKind.String && json.GetString() == "true");
            case CtyType.Collection { Kind: "list" or "set" } collection:
                return json.EnumerateArray().Select(element => FromJson(element, collection.Element)).ToList();
            case CtyType.Collection collection:
                var map = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in json.EnumerateObject())
                {
                    map[property.Name] = FromJson(property.Value, collection.Element);
                }

                return map;
            case CtyType.ObjectType objectType:
                var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (name, attributeType) in objectType.Attributes)
                {
                    result[name] = json.TryGetProperty(name, out var property) ? FromJson(property, attributeType) : null;
                }

                return result;
            default:
                throw new NotSupportedException($"type {type} has no JSON reading");
        }
    }

    private static object? Read(ref MessagePackReader reader, CtyType type)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.NextMessagePackType == MessagePackType.Extension)
        {
            reader.Skip();
            return Unknown.Value;
        }

        switch (type)
        {
            case CtyType.Primitive { Name: "string" }:
                return reader.ReadString();
            case CtyType.Primitive { Name: "number" }:
                return reader.NextMessagePackType switch
                {
                    MessagePackType.Integer => (decimal)reader.ReadInt64(),
                    MessagePackType.Float => (decimal)reader.ReadDouble(),
                    _ => decimal.Parse(reader.ReadString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
                };
            case CtyType.Primitive { Name: "bool" }:
                return reader.ReadBoolean();
            case CtyType.Collection { Kind: "list" or "set" } collection:
            {
                var count = reader.ReadArrayHeader();
                var list = new List<object?>(count);
                for (var i = 0; i < count; i++)
                {
                    list.Add(Read(ref reader, collection.Element));
                }

                return list;
            }

            case CtyType.Collection collection:
            {
                var count = reader.ReadMapHeader();
                var map = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var key = reader.ReadString()!;
                    map[key] = Read(ref reader, collection.Element);
                }

                return map;
            }

            case CtyType.ObjectType objectType:
            {
                var count = reader.ReadMapHeader();
                var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var key = reader.ReadString()!;
                    if (objectType.AttributeType(key) is { } attributeType)
                    {
                        result[key] = Read(ref reader, attributeType);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                foreach (var (name, _) in objectType.Attributes)
                {
                    result.TryAdd(name, null);
                }

                return result;
            }

            default:
                throw new NotSupportedException($"type {type} has no msgpack reading");
        }
    }

    private static void Write(ref MessagePackWriter writer, object? value, CtyType type)
    {
        switch (value)
        {
            case null:
                writer.WriteNil();
                return;
            case Unknown:
                // cty's plain unknown: fixext1, code 0, one zero byte.
                writer.WriteExtensionFormat(new ExtensionResult(0, new ReadOnlySequence<byte>(new byte[] { 0 })));
                return;
        }

        switch (type)
        {
            case CtyType.Primitive { Name: "string" }:
                writer.Write(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case CtyType.Primitive { Name: "number" }:
                var number = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                if (number == decimal.Truncate(number) && number >= long.MinValue && number <= long.MaxValue)
                {
                    writer.Write((long)number);
                }
                else
                {
                    writer.Write((double)number);
                }

                return;
            case CtyType.Primitive { Name: "bool" }:
                writer.Write((bool)value);
                return;
            case CtyType.Collection { Kind: "list" or "set" } collection:
            {
                var list = (IReadOnlyList<object?>)value;
                writer.WriteArrayHeader(list.Count);
                foreach (var element in list)
                {
                    Write(ref writer, element, collection.Element);
                }

                return;
            }

            case CtyType.Collection collection:
            {
                var map = (IReadOnlyDictionary<string, object?>)value;
                writer.WriteMapHeader(map.Count);
                foreach (var (key, element) in map.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.Write(key);
                    Write(ref writer, element, collection.Element);
                }

                return;
            }

            case CtyType.ObjectType objectType:
            {
                var map = (IReadOnlyDictionary<string, object?>)value;
                writer.WriteMapHeader(objectType.Attributes.Count);
                foreach (var (name, attributeType) in objectType.Attributes)
                {
                    writer.Write(name);
                    Write(ref writer, map.GetValueOrDefault(name), attributeType);
                }

                return;
            }

            default:
                throw new NotSupportedException($"type {type} has no msgpack writing");
        }
    }
}
