using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outpost.Sdk;

/// <summary>
/// Makes an omitted optional member get its documented default (the property initializer).
/// </summary>
/// <remarks>
/// The source generator builds a record with <c>required</c> or <c>init</c> members through one
/// object initializer that assigns every init-only member, so a member missing from the JSON is
/// assigned null or zero and its initializer (<c>Provisioner = "local"</c>, <c>WaitSeconds = 10</c>,
/// <c>Parameters = []</c>) never applies. For exactly those types, this resolver answers with
/// reflection-built metadata, which constructs the object first and then sets only the members
/// present; every other type keeps its source-generated metadata.
/// </remarks>
internal sealed class DocumentedDefaultsResolver(IJsonTypeInfoResolver generated) : IJsonTypeInfoResolver
{
    private readonly ConcurrentDictionary<Type, bool> _losesDefaults = new();
    private readonly DefaultJsonTypeInfoResolver _reflection = new();

    public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
    {
        var info = generated.GetTypeInfo(type, options);
        return info is { Kind: JsonTypeInfoKind.Object } && _losesDefaults.GetOrAdd(type, static (_, info) => LosesDefaults(info), info)
            ? _reflection.GetTypeInfo(type, options)
            : info;
    }

    /// <summary>True when an optional init-only member has an initializer the generated creator would overwrite.</summary>
    internal static bool LosesDefaults(JsonTypeInfo info)
    {
        if (info.Type.IsAbstract || info.Type.GetConstructor(Type.EmptyTypes) is null)
        {
            return false;
        }

        var prototype = Activator.CreateInstance(info.Type)!;
        foreach (var property in info.Properties)
        {
            if (property.IsRequired || property.Get is null || property.AssociatedParameter is not { IsMemberInitializer: true })
            {
                continue;
            }

            var zero = property.PropertyType.IsValueType ? Activator.CreateInstance(property.PropertyType) : null;
            if (!Equals(property.Get(prototype), zero))
            {
                return true;
            }
        }

        return false;
    }
}
