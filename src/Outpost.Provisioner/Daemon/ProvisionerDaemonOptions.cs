namespace Outpost.Provisioner.Daemon;

/// <summary>How one provisioner daemon runs; the defaults suit both the in-process and the remote daemon.</summary>
public sealed record ProvisionerDaemonOptions
{
    /// <summary>Stable and unique per daemon (host name plus an index); shown with the jobs it ran.</summary>
    public required string Name { get; init; }

    /// <summary>The provisioners this daemon asks for jobs of.</summary>
    public IReadOnlyList<string> Provisioners { get; init; } = ["local"];

    /// <summary>When set, launched agents reach the server here instead of at the job's access URL (a remote daemon behind another network path).</summary>
    public string? AccessUrl { get; init; }

    /// <summary>Where the local provisioner keeps one directory per workspace.</summary>
    public required string WorkspacesDirectory { get; init; }

    /// <summary>The local provisioner's sandbox (see <see cref="Local.LocalSandbox"/>); null for none.</summary>
    public Local.LocalSandbox? Sandbox { get; init; }

    /// <summary>Where files downloaded by hash are cached; null means <c>.file-cache</c> under <see cref="WorkspacesDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The cache's bound: least recently used files are evicted beyond it.</summary>
    public long MaxCacheBytes { get; init; } = 1L << 30;

    /// <summary>No file larger than this is downloaded.</summary>
    public long MaxFileBytes { get; init; } = 512L << 20;

    /// <summary>The cache directory in effect.</summary>
    public string EffectiveCacheDirectory => CacheDirectory ?? Path.Join(WorkspacesDirectory, ".file-cache");

    /// <summary>The command that runs an agent (argv); null means this executable's <c>agent</c> verb (<see cref="Sdk.OutpostExecutable.Invocation"/>).</summary>
    public IReadOnlyList<string>? AgentCommand { get; init; }

    /// <summary>
    /// How often a running job's heartbeat is sent even with no new logs. Well under the reaper's
    /// 5-minute hung threshold (coder-spec §7) so a slow request or two never gets a live job reaped.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a stopping daemon lets the current job run before canceling and failing it.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a canceled provisioner may take to stop before the job is failed without waiting for it.</summary>
    public TimeSpan CancelGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The acquire long-poll (1–60 s).</summary>
    public int WaitSeconds { get; init; } = 10;

    /// <summary>Log lines wait at most this long before they are sent.</summary>
    public TimeSpan LogFlushDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>This many waiting log lines are sent at once without waiting for <see cref="LogFlushDelay"/>.</summary>
    public int LogBatchSize { get; init; } = 100;

    /// <summary>At most this many lines go in one update (the API's limit is 1,000).</summary>
    public int MaxLinesPerUpdate { get; init; } = 1000;

    /// <summary>Lines beyond this many unsent ones are dropped and counted, so a flood cannot exhaust memory.</summary>
    public int MaxBufferedLines { get; init; } = 10_000;

    /// <summary>The first retry delay after a failed request; doubles up to <see cref="RetryMaxDelay"/>, with jitter.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times the final logs and the job's result are attempted before the daemon gives up (the reaper then fails the job).</summary>
    public int FinalDeliveryAttempts { get; init; } = 8;

    /// <summary>Every problem with the options, all at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("the daemon needs a name");
        }

        if (Provisioners.Count == 0)
        {
            errors.Add("the daemon must run at least one provisioner");
        }

        if (WaitSeconds is < 1 or > 60)
        {
            errors.Add($"the acquire wait must be 1–60 seconds, not {WaitSeconds}");
        }

        if (HeartbeatInterval <= TimeSpan.Zero || LogFlushDelay <= TimeSpan.Zero || ShutdownGracePeriod < TimeSpan.Zero || CancelGracePeriod < TimeSpan.Zero)
        {
            errors.Add("the heartbeat interval and log flush delay must be positive and the grace periods not negative");
        }

        if (LogBatchSize < 1 || MaxLinesPerUpdate is < 1 or > 1000 || MaxBufferedLines < LogBatchSize)
        {
            errors.Add("log batching needs 1 ≤ batch size ≤ buffered lines, and 1–1000 lines per update");
        }

        if (RetryInitialDelay < TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay || FinalDeliveryAttempts < 1)
        {
            errors.Add("retries need 0 ≤ initial delay ≤ max delay and at least one final delivery attempt");
        }

        if (MaxCacheBytes < 1 || MaxFileBytes < 1 || (CacheDirectory is not null && !Path.IsPathFullyQualified(CacheDirectory)))
        {
            errors.Add("the file cache needs an absolute directory and positive size limits");
        }

        if (string.IsNullOrWhiteSpace(WorkspacesDirectory) || !Path.IsPathFullyQualified(WorkspacesDirectory))
        {
            errors.Add("the workspaces directory must be an absolute path");
        }

        return errors;
    }
}
