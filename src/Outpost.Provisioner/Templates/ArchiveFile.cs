namespace Outpost.Provisioner.Templates;

/// <summary>A regular file from a template archive; <see cref="Path"/> is relative, with <c>/</c> separators.</summary>
internal sealed record ArchiveFile(string Path, byte[] Content, bool Executable);
