namespace Outpost.Sdk.Parameters;

/// <summary>A value a user supplied for a parameter, such as <c>--parameter greeting=hi</c>.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Value">The value as given.</param>
public sealed record ParameterAssignment(string Name, string Value);
