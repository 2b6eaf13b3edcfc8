namespace Outpost.Provisioner.Parameters;

/// <summary>One problem with the parameter values of a build; <see cref="Name"/> is null when none applies.</summary>
internal sealed record ParameterError(string? Name, string Message)
{
    public override string ToString() => Message;
}
