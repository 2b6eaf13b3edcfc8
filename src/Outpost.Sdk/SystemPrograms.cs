namespace Outpost.Sdk;

/// <summary>
/// System programs the agent, the CLI and the local provisioner start around user code, looked up once where
/// Debian and most distributions put them; null where the system lacks one (callers then start the code unchanged).
/// </summary>
public static class SystemPrograms
{
    /// <summary>util-linux's <c>setsid</c>: runs a program as the leader of a new session and process group.</summary>
    public static string? Setsid { get; } = Find("/usr/bin/setsid", "/bin/setsid");

    /// <summary>coreutils' <c>env</c>, whose <c>--default-signal</c> resets signals a parent left ignored.</summary>
    public static string? Env { get; } = Find("/usr/bin/env", "/bin/env");

    /// <summary>The first of <paramref name="candidates"/> that exists.</summary>
    public static string? Find(params string[] candidates) => candidates.FirstOrDefault(File.Exists);
}
