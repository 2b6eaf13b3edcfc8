using System.Globalization;

namespace Outpost.Sdk.Parameters;

/// <summary>Whether a value fits a parameter's type and options; shared by defaults and user input.</summary>
public static class ParameterValueCheck
{
    private const NumberStyles NumberStyle =
        NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>
    /// Returns the problem, or null with <paramref name="normalized"/> set: bools become lowercase so
    /// that "True" from a form and "true" from the CLI are the same value across builds.
    /// </summary>
    /// <param name="type">The parameter's type.</param>
    /// <param name="options">Its allowed values; empty means any value of the type.</param>
    /// <param name="value">The value to check.</param>
    /// <param name="normalized">The value as stored.</param>
    /// <returns>The problem, or null.</returns>
    public static string? Check(ParameterType type, IReadOnlyList<string> options, string value, out string normalized)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(value);

        normalized = value;
        switch (type)
        {
            case ParameterType.Number when !TryNumber(value, out _):
                return $"\"{value}\" is not a number";
            case ParameterType.Bool when !bool.TryParse(value, out var flag):
                return $"\"{value}\" is not a bool (use true or false)";
            case ParameterType.Bool:
                normalized = bool.Parse(value) ? "true" : "false";
                break;
        }

        var candidate = normalized;
        if (options.Count > 0 && !options.Any(option => SameValue(type, option, candidate)))
        {
            return $"\"{value}\" is not one of the options: {string.Join(", ", options)}";
        }

        return null;
    }

    /// <summary>Whether two values of a type are the same (<c>2</c> and <c>2.0</c> are; <c>True</c> and <c>true</c> are).</summary>
    /// <param name="type">The parameter's type.</param>
    /// <param name="a">One value.</param>
    /// <param name="b">The other.</param>
    /// <returns>Whether they are equal for the type.</returns>
    public static bool SameValue(ParameterType type, string a, string b) => type switch
    {
        ParameterType.Number when TryNumber(a, out var x) && TryNumber(b, out var y) => x == y,
        ParameterType.Bool => string.Equals(a, b, StringComparison.OrdinalIgnoreCase),
        _ => string.Equals(a, b, StringComparison.Ordinal),
    };

    private static bool TryNumber(string value, out decimal number) =>
        decimal.TryParse(value, NumberStyle, CultureInfo.InvariantCulture, out number);
}
