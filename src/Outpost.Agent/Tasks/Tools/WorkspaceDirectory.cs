namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// The directory tools are confined to. A path (relative to it, or absolute) is resolved the way the kernel
/// would — every symlink on the way followed, <c>..</c> applied to the real parent — and refused unless the
/// result is the directory or inside it. A path that does not exist yet resolves through its deepest existing
/// parent, so a new file under a symlink to <c>/etc</c> is refused too. (A symlink swapped in between the check
/// and the use is not guarded against: the tools run with the workspace user's rights anyway.)
/// </summary>
internal sealed class WorkspaceDirectory
{
    private const int MaxLinks = 40;

    public WorkspaceDirectory(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Resolve(Path.GetFullPath(root)) ?? throw new ArgumentException($"the workspace directory {root} has a symlink loop", nameof(root));
    }

    /// <summary>The directory's real path.</summary>
    public string Root { get; }

    /// <summary>The real path of <paramref name="path"/>, or null with <paramref name="error"/> when it leaves the workspace.</summary>
    public string? Confine(string path, out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            error = "the path contains a NUL character";
            return null;
        }

        var combined = Path.IsPathRooted(path) ? path : Root + "/" + path;
        var real = Resolve(combined);
        if (real is null)
        {
            error = $"the path {path} has too many symlinks (a loop?)";
            return null;
        }

        if (real != Root && !real.StartsWith(Root.EndsWith('/') ? Root : Root + "/", StringComparison.Ordinal))
        {
            error = $"the path {path} is outside the workspace directory {Root}" + (real != Path.GetFullPath(combined) ? $" (it resolves to {real} through a symlink)" : string.Empty) + "; only paths inside it may be used";
            return null;
        }

        error = null;
        return real;
    }

    /// <summary>A real path shown relative to the workspace.</summary>
    public string Relative(string real) => real == Root ? "." : Path.GetRelativePath(Root, real);

    private static string? Resolve(string absolute)
    {
        var parts = new List<string>(absolute.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var links = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }

            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            // The link's target replaces it; the rest of the path continues from there.
            var resolved = target.StartsWith('/') ? target : current + "/" + target;
            parts = [.. resolved.Split('/', StringSplitOptions.RemoveEmptyEntries), .. parts.Skip(i + 1)];
            current = "/";
            i = -1;
        }

        return current;
    }
}
