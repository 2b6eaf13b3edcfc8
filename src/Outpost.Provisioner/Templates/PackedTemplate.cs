namespace Outpost.Provisioner.Templates;

/// <summary>A template directory packed as a tar, or why it could not be.</summary>
internal sealed record PackedTemplate
{
    public byte[]? Tar { get; init; }

    public string? Error { get; init; }

    public bool Succeeded => Tar is not null;
}
