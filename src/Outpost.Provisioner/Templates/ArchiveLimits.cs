namespace Outpost.Provisioner.Templates;

/// <summary>Bounds on what an uploaded template archive may hold, so one upload cannot fill a disk.</summary>
internal sealed record ArchiveLimits
{
    public static ArchiveLimits Default { get; } = new();

    /// <summary>The sum of the sizes of the files in the archive.</summary>
    public long MaxTotalBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Files and directories together.</summary>
    public int MaxEntries { get; init; } = 10_000;
}
