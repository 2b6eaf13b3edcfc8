using System.Globalization;

namespace Outpost.Workflows.Model;

/// <summary>One property of a workflow's <c>inputs</c> schema.</summary>
internal sealed record InputProperty
{
    public static readonly IReadOnlyList<string> Types = ["string", "number", "integer", "boolean", "array", "object"];

    /// <summary>One of <see cref="Types"/>; null accepts any value.</summary>
    public string? Type { get; init; }

    public string Description { get; init; } = string.Empty;

    /// <summary>The allowed values, when listed.</summary>
    public IReadOnlyList<object?>? Enum { get; init; }

    /// <summary>Whether a default is declared (a declared null default is still a default).</summary>
    public bool HasDefault { get; init; }

    public object? Default { get; init; }
}

/// <summary>
/// A workflow's <c>inputs</c> (spec §9.2): a JSON-Schema-like object with <c>properties</c>,
/// <c>required</c> and <c>additionalProperties</c>; the subset checked is types, enums, required
/// keys and unknown keys. Other keys are kept for documentation and not checked.
/// </summary>
internal sealed record InputSchema
{
    public IReadOnlyDictionary<string, InputProperty> Properties { get; init; } = new Dictionary<string, InputProperty>();

    public IReadOnlyList<string> Required { get; init; } = [];

    public bool AdditionalProperties { get; init; } = true;

    /// <summary>The inputs with defaults filled in, or every problem with the given values, each naming the input.</summary>
    public (IReadOnlyDictionary<string, object?> Values, IReadOnlyList<string> Errors) Apply(IReadOnlyDictionary<string, object?> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        var errors = new List<string>();
        var values = new Dictionary<string, object?>(given, StringComparer.Ordinal);
        foreach (var (name, property) in Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!values.ContainsKey(name) && property.HasDefault)
            {
                values[name] = property.Default;
            }
        }

        foreach (var name in Required.Where(name => !values.ContainsKey(name)))
        {
            errors.Add($"input \"{name}\" is required");
        }

        foreach (var (name, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!Properties.TryGetValue(name, out var property))
            {
                if (!AdditionalProperties)
                {
                    errors.Add($"input \"{name}\" is not declared; the workflow takes {(Properties.Count == 0 ? "no inputs" : string.Join(", ", Properties.Keys.Order(StringComparer.Ordinal)))}");
                }

                continue;
            }

            if (property.Type is { } type && !IsOfType(value, type))
            {
                errors.Add($"input \"{name}\" must be of type {type}, not {TypeOf(value)}");
            }
            else if (property.Enum is { } allowed && !allowed.Any(option => Equals(Normalize(option), Normalize(value))))
            {
                errors.Add($"input \"{name}\" must be one of {string.Join(", ", allowed.Select(Show))}, not {Show(value)}");
            }
        }

        return (values, errors);
    }

    public static bool IsOfType(object? value, string type) => type switch
    {
        "string" => value is string,
        "number" => value is long or int or double,
        "integer" => value is long or int || value is double d && Math.Floor(d) == d && !double.IsInfinity(d),
        "boolean" => value is bool,
        "array" => value is IReadOnlyList<object?>,
        "object" => value is IReadOnlyDictionary<string, object?>,
        _ => false,
    };

    public static string TypeOf(object? value) => value switch
    {
        null => "null",
        string => "string",
        bool => "boolean",
        long or int => "integer",
        double => "number",
        IReadOnlyList<object?> => "array",
        IReadOnlyDictionary<string, object?> => "object",
        _ => value.GetType().Name,
    };

    private static object? Normalize(object? value) => value is int or long ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : value;

    private static string Show(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
