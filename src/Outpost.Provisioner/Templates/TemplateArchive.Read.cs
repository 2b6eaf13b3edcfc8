using System.Formats.Tar;

namespace Outpost.Provisioner.Templates;

public static partial class TemplateArchive
{
    private static readonly byte[] GzipMagic = [0x1f, 0x8b];

    /// <summary>
    /// Reads and validates a whole archive before anything is written anywhere, so a bad upload
    /// changes nothing. Only plain files and directories with relative paths inside the archive are
    /// accepted: links are refused because a link to <c>.</c> followed by <c>link/../x</c> walks out
    /// of any directory the archive is unpacked into.
    /// </summary>
    internal static ArchiveContents Read(Stream tar, ArchiveLimits limits)
    {
        ArgumentNullException.ThrowIfNull(tar);
        ArgumentNullException.ThrowIfNull(limits);

        var files = new List<ArchiveFile>();
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        var start = tar.CanSeek ? tar.Position : 0;
        var anyEntry = false;
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                anyEntry = true;
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
                {
                    continue;
                }

                if (seen.Count >= limits.MaxEntries)
                {
                    return Refused($"the archive holds more than {limits.MaxEntries} entries");
                }

                var path = Normalize(entry.Name);
                if (path is null)
                {
                    return Refused($"the archive entry \"{entry.Name}\" has an absolute path or a .. segment; entries must stay inside the template");
                }

                if (!IsFileOrDirectory(entry.EntryType))
                {
                    var what = entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink
                        ? $"a link to {entry.LinkName}"
                        : $"a special file ({entry.EntryType})";
                    return Refused($"the archive entry \"{path}\" is {what}; templates may hold only files and directories");
                }

                if (path.Length == 0)
                {
                    continue;
                }

                if (!seen.Add(path))
                {
                    return Refused($"the archive holds \"{path}\" more than once");
                }

                AddParents(directories, path);
                if (entry.EntryType is TarEntryType.Directory)
                {
                    directories.Add(path);
                    continue;
                }

                bytes += entry.Length;
                if (bytes > limits.MaxTotalBytes)
                {
                    return Refused($"the archive's files add up to more than the limit of {limits.MaxTotalBytes} bytes");
                }

                files.Add(new ArchiveFile(path, ReadData(entry), (entry.Mode & UnixFileMode.UserExecute) != 0));
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            return Refused(NotATar(tar, start, ex));
        }

        if (!anyEntry && !AllZero(tar, start))
        {
            // TarReader takes a header whose checksum field is zero for the end-of-archive marker.
            return Refused("the upload is not a tar archive: it does not start with a tar header");
        }

        if (seen.Count == 0)
        {
            return Refused("the upload is an empty archive");
        }

        var clash = files.FirstOrDefault(file => directories.Contains(file.Path));
        return clash is not null
            ? Refused($"the archive holds \"{clash.Path}\" both as a file and as a directory")
            : new ArchiveContents { Files = files, Directories = [.. directories] };
    }

    /// <summary>
    /// Unpacks an archive into <paramref name="destination"/>, which must be absent or empty. Nothing
    /// is written unless the whole archive is valid.
    /// </summary>
    internal static ArchiveContents Extract(Stream tar, string destination, ArchiveLimits limits)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);

        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
        {
            return Refused($"{destination} is not empty");
        }

        var contents = Read(tar, limits);
        if (!contents.Succeeded)
        {
            return contents;
        }

        var root = Path.GetFullPath(destination);
        Directory.CreateDirectory(root);
        foreach (var directory in contents.Directories)
        {
            Directory.CreateDirectory(Inside(root, directory));
        }

        foreach (var file in contents.Files)
        {
            var path = Inside(root, file.Path);
            File.WriteAllBytes(path, file.Content);
            File.SetUnixFileMode(path, file.Executable ? ExecutableMode : RegularMode);
        }

        return contents;
    }

    /// <summary>
    /// Strips <c>./</c> and <c>.</c> segments and returns "" for the root; null for a path that is
    /// absolute or could climb out of the destination.
    /// </summary>
    private static string? Normalize(string name)
    {
        if (name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(segment => segment != ".").ToList();
        return segments.Contains("..") ? null : string.Join('/', segments);
    }

    private static bool IsFileOrDirectory(TarEntryType type) =>
        type is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile or TarEntryType.Directory;

    private static void AddParents(SortedSet<string> directories, string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            directories.Add(path[..slash]);
        }
    }

    private static byte[] ReadData(TarEntry entry)
    {
        if (entry.DataStream is null)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        entry.DataStream.CopyTo(buffer);
        return buffer.ToArray();
    }

    // Belt and braces: Normalize already refused anything that could resolve outside the root.
    private static string Inside(string root, string relative)
    {
        var path = Path.GetFullPath(Path.Join(root, relative));
        return IsInside(root, path)
            ? path
            : throw new InvalidOperationException($"archive path {relative} escaped {root} after validation");
    }

    private static string NotATar(Stream tar, long start, Exception ex)
    {
        if (tar.CanSeek)
        {
            var head = new byte[2];
            tar.Position = start;
            if (tar.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head.AsSpan().SequenceEqual(GzipMagic))
            {
                return "the upload is not a tar archive: it is gzip-compressed; upload the plain tar";
            }
        }

        return $"the upload is not a tar archive: {ex.Message}";
    }

    private static bool AllZero(Stream tar, long start)
    {
        if (!tar.CanSeek)
        {
            return true;
        }

        tar.Position = start;
        var block = new byte[512];
        var read = tar.ReadAtLeast(block, block.Length, throwOnEndOfStream: false);
        return !block.AsSpan(0, read).ContainsAnyExcept((byte)0);
    }

    private static ArchiveContents Refused(string error) => new() { Error = error };
}
