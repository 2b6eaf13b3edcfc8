using System.Collections.Frozen;
using System.Text.Json;

namespace Outpost.Sdk;

/// <summary>
/// The exact snake_case strings an enum crosses a boundary as: in JSON, in the database, in log
/// fields and metric labels, and where the CLI shows them to people. The one place they are spelt.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public static class WireName<T> where T : struct, Enum
{
    private static readonly FrozenDictionary<T, string> Names =
        Enum.GetValues<T>().ToFrozenDictionary(value => value, value => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()));

    private static readonly FrozenDictionary<string, T> Values =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>Every wire name, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<T>().Select(value => Names[value])];

    /// <summary>The wire name of <paramref name="value"/> (the same string its JSON form carries).</summary>
    /// <param name="value">A declared value.</param>
    /// <returns>The snake_case name, for example <c>template_version_import</c>.</returns>
    public static string Name(T value) =>
        Names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a declared {typeof(T).Name}");

    /// <summary>The value a wire name stands for; an unknown name is a broken invariant (use <see cref="TryParse"/> for input).</summary>
    /// <param name="name">The snake_case name.</param>
    /// <returns>The value.</returns>
    public static T Parse(string name) =>
        Values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"\"{name}\" is not a {typeof(T).Name}.");

    /// <summary>The value a wire name stands for, if it is one.</summary>
    /// <param name="name">The snake_case name, or null.</param>
    /// <param name="value">The value when the name is known.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string? name, out T value)
    {
        value = default;
        return name is not null && Values.TryGetValue(name, out value);
    }
}

/// <summary>Shorthand for <see cref="WireName{T}.Name"/> that infers the enum type.</summary>
public static class WireName
{
    /// <summary>The wire name of <paramref name="value"/>.</summary>
    /// <typeparam name="T">The enum.</typeparam>
    /// <param name="value">A declared value.</param>
    /// <returns>The snake_case name.</returns>
    public static string Of<T>(T value) where T : struct, Enum => WireName<T>.Name(value);
}
