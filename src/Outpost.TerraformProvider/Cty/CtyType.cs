using System.Text;
using System.Text.Json;

namespace Outpost.TerraformProvider.Cty;

/// <summary>
/// A Terraform (cty) type as the plugin protocol names it in schemas: a primitive
/// (<c>"string"</c>, <c>"number"</c>, <c>"bool"</c>), a collection (<c>["list", T]</c>,
/// <c>["set", T]</c>, <c>["map", T]</c>) or an object (<c>["object", {name: T}]</c>).
/// </summary>
internal abstract record CtyType
{
    public static readonly CtyType String = new Primitive("string");
    public static readonly CtyType Number = new Primitive("number");
    public static readonly CtyType Bool = new Primitive("bool");

    public static CtyType List(CtyType element) => new Collection("list", element);

    public static CtyType Set(CtyType element) => new Collection("set", element);

    public static CtyType Map(CtyType element) => new Collection("map", element);

    /// <summary>The type's JSON encoding, as schemas carry it.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer);
        }

        return buffer.ToArray();
    }

    public override string ToString() => Encoding.UTF8.GetString(ToJson());

    protected abstract void Write(Utf8JsonWriter writer);

    internal sealed record Primitive(string Name) : CtyType
    {
        protected override void Write(Utf8JsonWriter writer) => writer.WriteStringValue(Name);

        public override string ToString() => Name;
    }

    internal sealed record Collection(string Kind, CtyType Element) : CtyType
    {
        protected override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(Kind);
            Element.Write(writer);
            writer.WriteEndArray();
        }

        public override string ToString() => $"{Kind}({Element})";
    }

    /// <summary>An object type; attributes in ordinal order (cty sorts them too).</summary>
    internal sealed record ObjectType(IReadOnlyList<KeyValuePair<string, CtyType>> Attributes) : CtyType
    {
        public CtyType? AttributeType(string name) => Attributes.FirstOrDefault(pair => pair.Key == name).Value;

        protected override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteStringValue("object");
            writer.WriteStartObject();
            foreach (var (name, type) in Attributes)
            {
                writer.WritePropertyName(name);
                type.Write(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        public bool Equals(ObjectType? other) => other is not null && Attributes.SequenceEqual(other.Attributes);

        public override int GetHashCode() => Attributes.Count;

        public override string ToString() => "object";
    }
}

/// <summary>A value Terraform does not know yet (known after apply).</summary>
internal sealed class Unknown
{
    public static readonly Unknown Value = new();

    private Unknown()
    {
    }

    public override string ToString() => "(known after apply)";
}
