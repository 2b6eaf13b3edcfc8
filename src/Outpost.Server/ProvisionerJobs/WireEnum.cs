using System.Collections.Frozen;
using System.Text.Json;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>The snake_case strings enums are stored and sent as (the same as their JSON form).</summary>
internal static class WireEnum<T> where T : struct, Enum
{
    private static readonly FrozenDictionary<T, string> Names =
        Enum.GetValues<T>().ToFrozenDictionary(value => value, value => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()));

    private static readonly FrozenDictionary<string, T> Values =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public static IEnumerable<string> All => Names.Values;

    public static string Name(T value) => Names[value];

    public static T Parse(string name) =>
        Values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"\"{name}\" is not a {typeof(T).Name}.");

    public static bool TryParse(string? name, out T value)
    {
        value = default;
        return name is not null && Values.TryGetValue(name, out value);
    }
}
