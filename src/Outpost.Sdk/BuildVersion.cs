using System.Reflection;

namespace Outpost.Sdk;

/// <summary>The version and commit stamped into the Outpost assemblies at build time.</summary>
public static class BuildVersion
{
    /// <summary>The semantic version, without build metadata.</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>The source commit, or <c>unknown</c> when the build had no git metadata.</summary>
    public static string Commit { get; } = ReadCommit();

    private static string Informational =>
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static string ReadVersion()
    {
        var value = Informational;
        var plus = value.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? value : value[..plus];
    }

    private static string ReadCommit()
    {
        var value = Informational;
        var plus = value.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 || plus == value.Length - 1 ? "unknown" : value[(plus + 1)..];
    }
}
