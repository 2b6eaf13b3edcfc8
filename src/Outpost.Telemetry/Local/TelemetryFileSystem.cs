namespace Outpost.Telemetry.Local;

/// <summary>A file in the telemetry directory, as listed.</summary>
public sealed record TelemetryFileEntry(string Name, string FullPath, long Length, DateTimeOffset LastWriteUtc);

/// <summary>
/// The few file operations the local sink needs, behind a seam so tests can make the disk full
/// or slow without touching the real one.
/// </summary>
public interface ITelemetryFileSystem
{
    public void CreateDirectory(string path);

    /// <summary>0 when the file does not exist.</summary>
    public long GetLength(string path);

    /// <summary>Appends in one call; on failure nothing of <paramref name="data"/> stays in the file.</summary>
    public void Append(string path, ReadOnlySpan<byte> data);

    /// <summary>The files directly in <paramref name="directory"/>; empty when it does not exist.</summary>
    public IReadOnlyList<TelemetryFileEntry> List(string directory);

    public void Delete(string path);
}

internal sealed class TelemetryFileSystem : ITelemetryFileSystem
{
    public static readonly TelemetryFileSystem Instance = new();

    // Telemetry describes what one user did; other local users have no business reading it.
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public void CreateDirectory(string path) => Directory.CreateDirectory(path, DirectoryMode);

    public long GetLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    public void Append(string path, ReadOnlySpan<byte> data)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            UnixCreateMode = FileMode,
        };
        using var stream = new FileStream(path, options);
        var before = stream.Seek(0, SeekOrigin.End);
        try
        {
            stream.Write(data);
        }
        catch
        {
            // A torn line would make the reader stop at it; cutting back keeps the file whole.
            try
            {
                stream.SetLength(before);
            }
            catch (IOException)
            {
            }

            throw;
        }
    }

    public IReadOnlyList<TelemetryFileEntry> List(string directory)
    {
        var info = new DirectoryInfo(directory);
        if (!info.Exists)
        {
            return [];
        }

        var entries = new List<TelemetryFileEntry>();
        foreach (var file in info.EnumerateFiles())
        {
            try
            {
                entries.Add(new TelemetryFileEntry(file.Name, file.FullName, file.Length, file.LastWriteTimeUtc));
            }
            catch (FileNotFoundException)
            {
                // Removed by another process between listing and stat; nothing to account for.
            }
        }

        return entries;
    }

    public void Delete(string path) => File.Delete(path);
}
