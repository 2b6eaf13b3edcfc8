namespace Outpost.Provisioner.Templates;

/// <summary>A template directory packed as a tar, or why it could not be.</summary>
public sealed record PackedTemplate
{
    /// <summary>The archive; null when packing failed.</summary>
    public byte[]? Tar { get; init; }

    /// <summary>Why packing failed, for people.</summary>
    public string? Error { get; init; }

    /// <summary>Whether <see cref="Tar"/> holds the archive.</summary>
    public bool Succeeded => Tar is not null;
}
