namespace Outpost.Provisioner.Parameters;

/// <summary>Either every parameter's value, in the template's order, or every problem found.</summary>
internal sealed record ParameterResolution
{
    public IReadOnlyList<ResolvedParameter> Values { get; init; } = [];

    public IReadOnlyList<ParameterError> Errors { get; init; } = [];

    public bool Succeeded => Errors.Count == 0;
}
