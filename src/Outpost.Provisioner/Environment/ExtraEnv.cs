namespace Outpost.Provisioner.Environment;

/// <summary>
/// One extra environment entry for an agent (the equivalent of Coder's <c>coder_env</c>). The
/// strategy stays a string because upstream treats any value it does not know as <c>replace</c>,
/// and the Terraform provisioner will hand us whatever the template author wrote.
/// </summary>
public sealed record ExtraEnv(string Name, string Value, string MergeStrategy = "")
{
    public const string Replace = "replace";
    public const string Append = "append";
    public const string Prepend = "prepend";
    public const string Error = "error";

    /// <summary>The strategies a template may name; anything else is a typo at authoring time.</summary>
    public static IReadOnlyList<string> KnownStrategies { get; } = [Replace, Append, Prepend, Error];

    /// <summary>An entry as the wire carries it (a provisioner's result, a sub-agent's registration).</summary>
    public static ExtraEnv From(Sdk.Provisioning.ExtraEnvEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.Name, entry.Value, Sdk.WireName<Sdk.Provisioning.EnvMergeStrategy>.Name(entry.MergeStrategy));
    }
}
