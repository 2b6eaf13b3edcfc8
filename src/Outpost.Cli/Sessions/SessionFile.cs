using System.Text.Json;

namespace Outpost.Cli.Sessions;

/// <summary>
/// The session file: <c>$OUTPOST_CONFIG_DIR/session.json</c>, else <c>$XDG_CONFIG_HOME/outpost/session.json</c>,
/// else <c>~/.config/outpost/session.json</c>. Written atomically, readable only by its owner.
/// </summary>
internal sealed class SessionFile(string path)
{
    public string Path { get; } = path;

    public static SessionFile Default(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new SessionFile(System.IO.Path.Combine(ConfigDirectory(environment), "session.json"));
    }

    public static string ConfigDirectory(Func<string, string?> environment)
    {
        if (environment("OUTPOST_CONFIG_DIR") is { Length: > 0 } explicitDir)
        {
            return explicitDir;
        }

        if (environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathRooted(xdg))
        {
            return System.IO.Path.Combine(xdg, "outpost");
        }

        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return System.IO.Path.Combine(home, ".config", "outpost");
    }

    /// <summary>The stored session, or null when there is none (or the file is unreadable, with the reason).</summary>
    public (StoredSession? Session, string? Problem) Load()
    {
        if (!File.Exists(Path))
        {
            return (null, null);
        }

        try
        {
            var session = JsonSerializer.Deserialize(File.ReadAllText(Path), SessionJsonContext.Default.StoredSession);
            return session is null ? (null, $"{Path} is empty") : (session, null);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return (null, $"{Path} could not be read ({e.Message}); run outpost login again");
        }
    }

    public void Save(StoredSession session)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".session-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        // The mode is set before any secret is written, and rename keeps readers from seeing half a file.
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, session, SessionJsonContext.Default.StoredSession);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    public bool Delete()
    {
        if (!File.Exists(Path))
        {
            return false;
        }

        File.Delete(Path);
        return true;
    }
}
