namespace Outpost.Provisioner.Templates;

/// <summary>The validated contents of a template archive, or why it was refused.</summary>
internal sealed record ArchiveContents
{
    public IReadOnlyList<ArchiveFile> Files { get; init; } = [];

    /// <summary>Directories named by the archive, including empty ones, parents first.</summary>
    public IReadOnlyList<string> Directories { get; init; } = [];

    public string? Error { get; init; }

    public bool Succeeded => Error is null;

    public ArchiveFile? Find(string path) => Files.FirstOrDefault(file => file.Path == path);
}
