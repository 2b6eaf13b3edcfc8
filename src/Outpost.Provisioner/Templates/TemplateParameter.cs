namespace Outpost.Provisioner.Templates;

internal enum ParameterType
{
    String,
    Number,
    Bool,
}

internal sealed record TemplateParameter
{
    public required string Name { get; init; }

    public ParameterType Type { get; init; } = ParameterType.String;

    /// <summary>Null means the parameter is required: every first build must give it a value.</summary>
    public string? Default { get; init; }

    public string? Description { get; init; }

    /// <summary>Allowed values; empty means any value of the type.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    public bool Mutable { get; init; } = true;

    public bool Required => Default is null;
}
