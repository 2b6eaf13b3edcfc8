namespace Outpost.Telemetry.Local;

/// <summary>Where this user's local telemetry files live.</summary>
public static class TelemetryPaths
{
    public const string DirectoryVariable = "OUTPOST_TELEMETRY_DIR";

    /// <summary>
    /// <c>OUTPOST_TELEMETRY_DIR</c> when set, else <c>$XDG_DATA_HOME/outpost/telemetry</c>, else
    /// <c>~/.local/share/outpost/telemetry</c>. A relative XDG_DATA_HOME is ignored, as the XDG
    /// specification requires.
    /// </summary>
    public static string ResolveDirectory(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var explicitDirectory = environment(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            return Path.GetFullPath(explicitDirectory);
        }

        var dataHome = environment("XDG_DATA_HOME");
        if (string.IsNullOrWhiteSpace(dataHome) || !Path.IsPathRooted(dataHome))
        {
            var home = environment("HOME");
            if (string.IsNullOrWhiteSpace(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }

            dataHome = Path.Combine(home, ".local", "share");
        }

        return Path.Combine(dataHome, "outpost", "telemetry");
    }
}
