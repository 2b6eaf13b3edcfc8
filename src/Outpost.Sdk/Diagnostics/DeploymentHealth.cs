using System.Text.Json.Serialization;

namespace Outpost.Sdk.Diagnostics;

/// <summary>
/// <c>GET /api/v2/deployment/health</c> (issue 24, <c>outpost diagnose --deployment</c>): the server-side checks of a
/// deployment — its database's latency, its pubsub, its provisioner daemons and the jobs that wait for them — as
/// facts; the CLI turns them into verdicts and adds what only the caller's machine can see (clock skew, the access
/// URL's reachability). Owners and admins may read it.
/// </summary>
public static class DeploymentHealthApi
{
    /// <summary>The route.</summary>
    public const string Path = "/api/v2/deployment/health";
}

/// <summary>The server-side facts of a deployment's health.</summary>
public sealed record DeploymentHealth
{
    /// <summary>The server's clock when it answered (what the caller's clock is compared with).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The server's version.</summary>
    public required string Version { get; init; }

    /// <summary>The server's commit.</summary>
    public required string Commit { get; init; }

    /// <summary>The URL agents and browsers reach the server at: the configured access URL, else the one this request used.</summary>
    public required string AccessUrl { get; init; }

    /// <summary>Whether <see cref="AccessUrl"/> is configured (<c>--access-url</c>) rather than taken from this request.</summary>
    public bool AccessUrlConfigured { get; init; }

    /// <summary>A round trip to the database, measured by the server.</summary>
    public required ComponentHealth Database { get; init; }

    /// <summary>A message published and received back through the pubsub, measured by the server.</summary>
    public required ComponentHealth Pubsub { get; init; }

    /// <summary>How recent a daemon's last contact must be for it to count as in contact.</summary>
    public required double DaemonContactWindowSeconds { get; init; }

    /// <summary>The provisioner daemons seen in the last day, most recent contact first.</summary>
    public required IReadOnlyList<ProvisionerDaemonStatus> ProvisionerDaemons { get; init; }

    /// <summary>The jobs waiting to be claimed, by the provisioner type they wait for.</summary>
    public required IReadOnlyList<WaitingJobs> WaitingJobs { get; init; }
}

/// <summary>One check the server made of one of its parts.</summary>
public sealed record ComponentHealth
{
    /// <summary>Whether it answered as it should.</summary>
    public required bool Healthy { get; init; }

    /// <summary>How long the round trip took, in milliseconds (when it answered).</summary>
    public double? LatencyMs { get; init; }

    /// <summary>What went wrong, when it did.</summary>
    public string? Error { get; init; }
}

/// <summary>A provisioner daemon as the server last heard from it.</summary>
public sealed record ProvisionerDaemonStatus
{
    /// <summary>The name the daemon gives itself (<c>--name</c>; built-in daemons are <c>HOST-builtin-N</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The name of the provisioner key it presents (<c>built-in</c> for the server's own daemons).</summary>
    public required string KeyName { get; init; }

    /// <summary>The provisioner types it asks jobs for (what the queue matches jobs against).</summary>
    public required IReadOnlyList<string> Provisioners { get; init; }

    /// <summary>When the server first heard from it.</summary>
    public required DateTimeOffset FirstSeenAt { get; init; }

    /// <summary>Its last contact (an acquire, a job update or a completion), to within the server's write interval.</summary>
    public required DateTimeOffset LastSeenAt { get; init; }

    /// <summary>Whether <see cref="LastSeenAt"/> is within <see cref="DeploymentHealth.DaemonContactWindowSeconds"/> of <see cref="DeploymentHealth.Time"/>.</summary>
    public required bool InContact { get; init; }
}

/// <summary>Jobs waiting for a daemon of one provisioner type.</summary>
public sealed record WaitingJobs
{
    /// <summary>The provisioner type they need.</summary>
    public required string Provisioner { get; init; }

    /// <summary>How many wait.</summary>
    public required int Count { get; init; }

    /// <summary>When the oldest was queued.</summary>
    public required DateTimeOffset OldestQueuedAt { get; init; }

    /// <summary>How many daemons in contact serve this type (0: nobody can take them).</summary>
    public required int DaemonsInContact { get; init; }
}

/// <summary>JSON metadata for the deployment's health (its own context keeps merges of the shared one small).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeploymentHealth))]
public sealed partial class DeploymentHealthJsonContext : JsonSerializerContext;
