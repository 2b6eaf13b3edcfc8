using System.Globalization;
using Outpost.Cli.Hosting;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// Reads a method's evaluated inputs by name and type, collecting every problem (each naming the input)
/// instead of stopping at the first; inputs the method does not take are problems too.
/// </summary>
internal sealed class MethodInputs
{
    private readonly IReadOnlyDictionary<string, object?> _inputs;
    private readonly string _what;

    public MethodInputs(string what, IReadOnlyDictionary<string, object?> inputs, IReadOnlyList<string> known)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(known);
        (_what, _inputs) = (what, inputs);
        foreach (var name in inputs.Keys.Where(name => !known.Contains(name, StringComparer.Ordinal)).Order(StringComparer.Ordinal))
        {
            Problems.Add($"input \"{name}\" is not one {what} takes ({string.Join(", ", known)})");
        }
    }

    public List<string> Problems { get; } = [];

    /// <summary>All problems in one message, or null.</summary>
    public string? Error => Problems.Count == 0 ? null : $"{_what}: {string.Join("; ", Problems)}";

    public string Text(string name)
    {
        var value = OptionalText(name);
        if (value is null && !Problems.Any(p => p.StartsWith($"input \"{name}\"", StringComparison.Ordinal)))
        {
            Problems.Add($"input \"{name}\" is required");
        }

        return value ?? string.Empty;
    }

    public string? OptionalText(string name)
    {
        switch (_inputs.GetValueOrDefault(name))
        {
            case null:
                return null;
            case string { Length: > 0 } text:
                return text;
            case string:
                Problems.Add($"input \"{name}\" must not be empty");
                return null;
            case long or double or bool:
                return Convert.ToString(_inputs[name], CultureInfo.InvariantCulture)!.ToLowerInvariant();
            default:
                Problems.Add($"input \"{name}\" must be a string");
                return null;
        }
    }

    public bool Flag(string name, bool fallback)
    {
        switch (_inputs.GetValueOrDefault(name))
        {
            case null:
                return fallback;
            case bool flag:
                return flag;
            default:
                Problems.Add($"input \"{name}\" must be true or false");
                return fallback;
        }
    }

    /// <summary>A list of strings (numbers and booleans become text).</summary>
    public IReadOnlyList<string> List(string name)
    {
        switch (_inputs.GetValueOrDefault(name))
        {
            case null:
                return [];
            case IReadOnlyList<object?> list when list.All(item => item is string or long or double or bool):
                return [.. list.Select(item => item is string text ? text : Convert.ToString(item, CultureInfo.InvariantCulture)!.ToLowerInvariant())];
            default:
                Problems.Add($"input \"{name}\" must be a list of strings");
                return [];
        }
    }

    /// <summary>A mapping of names to strings.</summary>
    public IReadOnlyDictionary<string, string> Map(string name)
    {
        switch (_inputs.GetValueOrDefault(name))
        {
            case null:
                return new Dictionary<string, string>();
            case IReadOnlyDictionary<string, object?> map when map.Values.All(value => value is string or long or double or bool):
                return map.ToDictionary(pair => pair.Key, pair => pair.Value is string text ? text : Convert.ToString(pair.Value, CultureInfo.InvariantCulture)!.ToLowerInvariant(), StringComparer.Ordinal);
            default:
                Problems.Add($"input \"{name}\" must be a mapping of names to strings");
                return new Dictionary<string, string>();
        }
    }

    /// <summary>A duration: <c>90s</c>, <c>15m</c>, <c>2h</c>, or a number of seconds.</summary>
    public TimeSpan? Duration(string name)
    {
        switch (_inputs.GetValueOrDefault(name))
        {
            case null:
                return null;
            case long seconds when seconds > 0:
                return TimeSpan.FromSeconds(seconds);
            case double seconds when seconds > 0 && double.IsFinite(seconds):
                return TimeSpan.FromSeconds(seconds);
            case string text when DurationParser.TryParse(text, out var duration):
                return duration;
            default:
                Problems.Add($"input \"{name}\" must be a duration such as 90s, 15m or 2h (or a number of seconds)");
                return null;
        }
    }
}
