namespace Outpost.Provisioner.Parameters;

internal sealed record ResolvedParameter(string Name, string Value, ParameterSource Source);
