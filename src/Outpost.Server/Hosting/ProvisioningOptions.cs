namespace Outpost.Server.Hosting;

/// <summary>Limits and timings of files, the job queue and its reaper.</summary>
internal sealed record ProvisioningOptions
{
    /// <summary>The largest template archive <c>POST /api/v2/files</c> accepts (413 beyond).</summary>
    public long MaxFileBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>A running job without an update for this long is failed as hung (coder-spec §7: 5 min).</summary>
    public TimeSpan HungJobTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A pending job untouched for this long is failed (coder-spec §7: 30 min).</summary>
    public TimeSpan PendingJobTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the reaper looks for such jobs.</summary>
    public TimeSpan ReaperInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many jobs are reaped per pass (coder-spec §7: 10).</summary>
    public int MaxJobsPerReap { get; init; } = 10;

    /// <summary>How often the prebuild reconciler compares each preset's pool with its desired count (docs/prebuilds.md).</summary>
    public TimeSpan PrebuildReconcileInterval { get; init; } = TimeSpan.FromSeconds(15);
}
