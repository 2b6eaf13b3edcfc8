namespace Outpost.Provisioner.Environment;

/// <summary>
/// The outcome of building one agent's environment: the variables (null when there are none, which
/// is stored as SQL NULL rather than an empty JSON object) or the merge error that fails the build.
/// </summary>
public sealed record MergedEnvironment
{
    public IReadOnlyDictionary<string, string>? Variables { get; init; }

    public EnvMergeError? Error { get; init; }

    public bool Succeeded => Error is null;
}
