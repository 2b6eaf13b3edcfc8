using System.Globalization;
using Outpost.TerraformProvider.Cty;

namespace Outpost.TerraformProvider.Schema;

/// <summary>Typed reads of a decoded object value (a config, a plan, a state).</summary>
internal static class ObjectValue
{
    public static SortedDictionary<string, object?> New() => new(StringComparer.Ordinal);

    public static SortedDictionary<string, object?> Copy(IReadOnlyDictionary<string, object?> value) => new(value.ToDictionary(), StringComparer.Ordinal);

    public static string? String(this IReadOnlyDictionary<string, object?> value, string name) =>
        value.GetValueOrDefault(name) is string text ? text : null;

    public static bool IsUnknown(this IReadOnlyDictionary<string, object?> value, string name) => value.GetValueOrDefault(name) is Unknown;

    public static bool? Bool(this IReadOnlyDictionary<string, object?> value, string name) => value.GetValueOrDefault(name) as bool?;

    public static decimal? Number(this IReadOnlyDictionary<string, object?> value, string name) => value.GetValueOrDefault(name) as decimal?;

    public static IReadOnlyDictionary<string, string> StringMap(this IReadOnlyDictionary<string, object?> value, string name) =>
        value.GetValueOrDefault(name) is IReadOnlyDictionary<string, object?> map
            ? map.Where(pair => pair.Value is string).ToDictionary(pair => pair.Key, pair => (string)pair.Value!, StringComparer.Ordinal)
            : new Dictionary<string, string>();

    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Blocks(this IReadOnlyDictionary<string, object?> value, string name) =>
        value.GetValueOrDefault(name) is List<object?> list ? [.. list.OfType<IReadOnlyDictionary<string, object?>>()] : [];

    public static string Text(decimal number) => number.ToString(CultureInfo.InvariantCulture);
}
