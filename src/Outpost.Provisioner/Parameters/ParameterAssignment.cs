namespace Outpost.Provisioner.Parameters;

/// <summary>A value a user supplied for a parameter, such as <c>--parameter greeting=hi</c>.</summary>
internal sealed record ParameterAssignment(string Name, string Value);
