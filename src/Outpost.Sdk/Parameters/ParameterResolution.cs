namespace Outpost.Sdk.Parameters;

/// <summary>Either every parameter's value, in the template's order, or every problem found.</summary>
public sealed record ParameterResolution
{
    /// <summary>The values, when there were no problems.</summary>
    public IReadOnlyList<ResolvedParameter> Values { get; init; } = [];

    /// <summary>Every problem found; empty on success.</summary>
    public IReadOnlyList<ParameterError> Errors { get; init; } = [];

    /// <summary>Whether there were no problems.</summary>
    public bool Succeeded => Errors.Count == 0;
}
