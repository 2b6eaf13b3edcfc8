using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Templates;

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

    /// <summary>The parameter as the API and the parameter rules of <see cref="ParameterResolver"/> see it.</summary>
    public TemplateVersionParameter ToWire() => new()
    {
        Name = Name,
        Type = Type,
        Description = Description ?? string.Empty,
        DefaultValue = Default,
        Options = Options,
        Mutable = Mutable,
    };
}
