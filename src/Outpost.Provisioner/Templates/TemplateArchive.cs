using System.Formats.Tar;

namespace Outpost.Provisioner.Templates;

/// <summary>
/// Template directories to and from tar archives. Packing is deterministic (sorted paths, fixed
/// times, owners and modes) because the server stores uploads by their SHA-256: the same template
/// pushed twice must be the same file. Public for the CLI (<see cref="Pack"/>, <see cref="DetectProvisioner"/>)
/// and the server (<see cref="CheckUpload"/>); reading and extracting stay inside the provisioner.
/// </summary>
public static partial class TemplateArchive
{
    private const UnixFileMode ExecutableMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode RegularMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The file that makes a directory a local template (<c>outpost.yaml</c>).</summary>
    public const string LocalTemplateFileName = TemplateParser.FileName;

    /// <summary>
    /// Why an uploaded archive of at most <paramref name="maxBytes"/> could never be imported (not a
    /// readable tar, or without a template at its root), or null when it is usable. The server
    /// refuses such an upload before it stores anything.
    /// </summary>
    public static string? CheckUpload(byte[] archive, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(archive);
        using var stream = new MemoryStream(archive, writable: false);
        var contents = Read(stream, ArchiveLimits.Default with { MaxTotalBytes = maxBytes });
        return contents.Succeeded ? TemplateImporter.CheckUpload(contents) : contents.Error;
    }

    /// <summary>
    /// Why an archive an import made (a Terraform modules archive) of at most <paramref name="maxBytes"/>
    /// could not be unpacked by a build, or null when it can. Unlike <see cref="CheckUpload"/> it needs
    /// no template at its root.
    /// </summary>
    public static string? CheckArchive(byte[] archive, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(archive);
        using var stream = new MemoryStream(archive, writable: false);
        return Read(stream, ArchiveLimits.Default with { MaxTotalBytes = maxBytes }).Error;
    }

    /// <summary><c>local</c> for a directory with outpost.yaml, <c>terraform</c> for one with *.tf files, else null.</summary>
    public static string? DetectProvisioner(string directory)
    {
        if (File.Exists(Path.Join(directory, TemplateParser.FileName)))
        {
            return "local";
        }

        return Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*.tf").Any() ? "terraform" : null;
    }

    /// <summary>Packs <paramref name="directory"/> deterministically, refusing one larger than <paramref name="maxBytes"/>.</summary>
    public static PackedTemplate Pack(string directory, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);

        if (!Directory.Exists(directory))
        {
            return new PackedTemplate { Error = $"{directory} is not a directory" };
        }

        var root = RealPath(new DirectoryInfo(directory));
        if (DetectProvisioner(root) is null)
        {
            // Neither outpost.yaml nor *.tf: the message names the local template's file, as it always has.
            return new PackedTemplate { Error = $"{directory} has no {TemplateParser.FileName}" };
        }

        return PackTree(root, maxBytes);
    }

    /// <summary>Packs any directory the same deterministic way (Terraform's downloaded modules, say).</summary>
    public static PackedTemplate PackDirectory(string directory, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        return Directory.Exists(directory)
            ? PackTree(RealPath(new DirectoryInfo(directory)), maxBytes)
            : new PackedTemplate { Error = $"{directory} is not a directory" };
    }

    private static PackedTemplate PackTree(string root, long maxBytes)
    {
        var packer = new Packer(root, maxBytes);
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            string? error;
            try
            {
                error = packer.Walk(writer, root, "", [root]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error = $"could not read the template directory: {ex.Message}";
            }

            if (error is not null)
            {
                return new PackedTemplate { Error = error };
            }
        }

        return output.Length > maxBytes
            ? new PackedTemplate { Error = TooLarge(maxBytes) }
            : new PackedTemplate { Tar = output.ToArray() };
    }

    private static string TooLarge(long maxBytes) => $"the template is larger than the limit of {maxBytes} bytes";

    private static string RealPath(FileSystemInfo info) => Canonical(info.FullName, depth: 0);

    /// <summary>
    /// Resolves links in every component, not just the last, so that a template under a linked
    /// parent (macOS's /var, a linked home) compares equal to its links' targets. Like the kernel,
    /// gives up after 40 links; the unresolved path then fails the existence check.
    /// </summary>
    private static string Canonical(string path, int depth)
    {
        var resolved = Path.GetPathRoot(Path.GetFullPath(path))!;
        foreach (var part in Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Join(resolved, part);
            var target = new FileInfo(next).LinkTarget;
            resolved = target is null || depth >= 40 ? next : Canonical(Path.GetFullPath(target, resolved), depth + 1);
        }

        return Path.TrimEndingDirectorySeparator(resolved);
    }

    private static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private sealed class Packer(string root, long maxBytes)
    {
        private long _bytes;

        /// <summary>
        /// Links are followed when they stay inside the template, so the archive holds only plain
        /// files and directories; <paramref name="ancestors"/> are real paths, which catches link cycles.
        /// </summary>
        public string? Walk(TarWriter writer, string directory, string prefix, HashSet<string> ancestors)
        {
            var children = new DirectoryInfo(directory).EnumerateFileSystemInfos()
                .OrderBy(child => child.Name, StringComparer.Ordinal);
            foreach (var child in children)
            {
                // Terraform's own working files (providers, downloaded modules, local state) are not template source.
                if (child.Name == ".terraform" || child.Name.StartsWith("terraform.tfstate", StringComparison.Ordinal))
                {
                    continue;
                }

                var name = prefix + child.Name;
                var real = child.LinkTarget is null ? child.FullName : RealPath(child);
                if (child.LinkTarget is not null && !IsInside(root, real))
                {
                    return $"{name} is a link to {child.LinkTarget}, outside the template directory";
                }

                // A loop of links still ends on a link; Path.Exists would say it exists.
                if (child.LinkTarget is not null && (!Path.Exists(real) || new FileInfo(real).LinkTarget is not null))
                {
                    return $"{name} is a link to {child.LinkTarget}, which does not exist";
                }

                var error = Directory.Exists(real)
                    ? AddDirectory(writer, real, name, ancestors)
                    : AddFile(writer, real, name);
                if (error is not null)
                {
                    return error;
                }
            }

            return null;
        }

        private string? AddDirectory(TarWriter writer, string real, string name, HashSet<string> ancestors)
        {
            if (!ancestors.Add(real))
            {
                return $"{name} is a link back to a directory that contains it";
            }

            writer.WriteEntry(Entry(TarEntryType.Directory, name + "/", ExecutableMode));
            var error = Walk(writer, real, name + "/", ancestors);
            ancestors.Remove(real);
            return error;
        }

        private string? AddFile(TarWriter writer, string real, string name)
        {
            var info = new FileInfo(real);
            _bytes += info.Length;
            if (_bytes > maxBytes)
            {
                return TooLarge(maxBytes);
            }

            var executable = (info.UnixFileMode & UnixFileMode.UserExecute) != 0;
            using var content = info.OpenRead();
            var entry = Entry(TarEntryType.RegularFile, name, executable ? ExecutableMode : RegularMode);
            entry.DataStream = content;
            writer.WriteEntry(entry);
            return null;
        }

        private static PaxTarEntry Entry(TarEntryType type, string name, UnixFileMode mode) =>
            new(type, name)
            {
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = mode,
                Uid = 0,
                Gid = 0,
                UserName = "",
                GroupName = "",
            };
    }
}
