namespace Outpost.Provisioner.Environment;

/// <summary>Why an agent's environment could not be built; fails the build that asked for it.</summary>
public sealed record EnvMergeError(string VariableName, string Message)
{
    public override string ToString() => Message;
}
