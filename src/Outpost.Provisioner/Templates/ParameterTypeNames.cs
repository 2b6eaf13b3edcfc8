namespace Outpost.Provisioner.Templates;

/// <summary>The exact strings a template and the wire use for <see cref="ParameterType"/>.</summary>
internal static class ParameterTypeNames
{
    public const string String = "string";
    public const string Number = "number";
    public const string Bool = "bool";

    public static IReadOnlyList<string> All { get; } = [String, Number, Bool];

    public static string ToName(this ParameterType type) => type switch
    {
        ParameterType.String => String,
        ParameterType.Number => Number,
        ParameterType.Bool => Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParse(string name, out ParameterType type)
    {
        (var known, type) = name switch
        {
            String => (true, ParameterType.String),
            Number => (true, ParameterType.Number),
            Bool => (true, ParameterType.Bool),
            _ => (false, ParameterType.String),
        };
        return known;
    }
}
