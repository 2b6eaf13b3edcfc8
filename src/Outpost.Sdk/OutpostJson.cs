using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Sdk;

/// <summary>The JSON conventions of the Outpost wire format, shared by server and clients.</summary>
public static class OutpostJson
{
    /// <summary>
    /// snake_case properties, snake_case enum strings, nulls omitted, source-generated metadata first;
    /// an omitted optional member gets its documented default.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Applies the wire conventions to options owned by a framework (ASP.NET Core's, for example).</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // Integers are refused: an enum is one of its snake_case names on the wire.
        options.Converters.Add(new SnakeCaseEnumConverter());
        options.TypeInfoResolverChain.Insert(0, new DocumentedDefaultsResolver(OutpostJsonContext.Default));
        options.TypeInfoResolverChain.Insert(1, Tasks.TaskJsonContext.Default);
        options.TypeInfoResolverChain.Insert(2, Tasks.AiSeatJsonContext.Default);
        options.TypeInfoResolverChain.Insert(3, Tasks.RunObservabilityJsonContext.Default);
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Apply(options);
        options.MakeReadOnly();
        return options;
    }
}
