using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Templates;

/// <summary>A provisioner job as users see it: its status, timings and error.</summary>
public sealed record ProvisionerJob
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>What it does.</summary>
    public required ProvisionerJobType Type { get; init; }

    /// <summary>Derived from the timestamps and error (coder-spec §6).</summary>
    public required ProvisionerJobStatus Status { get; init; }

    /// <summary>When it was queued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a daemon claimed it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When a cancel was requested.</summary>
    public DateTimeOffset? CanceledAt { get; init; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Why it failed, in words a user can act on.</summary>
    public string? Error { get; init; }

    /// <summary>A machine-readable failure code (<c>canceled</c>, <c>env_merge</c>, <c>template_invalid</c>…; none for reaped jobs, as upstream).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The daemon that ran it.</summary>
    public string? WorkerName { get; init; }
}

/// <summary>One stored line of a job's log.</summary>
public sealed record ProvisionerJobLog
{
    /// <summary>Increasing per deployment; pass the last one seen as <c>after</c> to resume.</summary>
    public required long Id { get; init; }

    /// <summary>When it was written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Severity.</summary>
    public required ProvisionerLogLevel Level { get; init; }

    /// <summary>Who wrote it.</summary>
    public required ProvisionerLogSource Source { get; init; }

    /// <summary>The build stage.</summary>
    public string Stage { get; init; } = string.Empty;

    /// <summary>The text.</summary>
    public required string Output { get; init; }
}
