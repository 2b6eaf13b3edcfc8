namespace Outpost.Sdk.Parameters;

/// <summary>A parameter's value for a build.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Value">The (normalized) value.</param>
/// <param name="Source">Where the value came from.</param>
public sealed record ResolvedParameter(string Name, string Value, ParameterSource Source);
