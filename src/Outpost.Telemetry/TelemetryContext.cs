namespace Outpost.Telemetry;

/// <summary>
/// The session context of one process (spec §2.2) plus the deployment URL current at emit time.
/// Immutable, so handing the same instance to many events is the C# form of the spec's
/// "each event gets a fresh copy".
/// </summary>
public sealed record TelemetryContext
{
    public required string CliVersion { get; init; }

    public required string MachineId { get; init; }

    public required string SessionId { get; init; }

    /// <summary><c>linux</c>, <c>darwin</c> or <c>windows</c>.</summary>
    public required string OsType { get; init; }

    public required string OsVersion { get; init; }

    /// <summary><c>x64</c>, <c>arm64</c>, …</summary>
    public required string HostArch { get; init; }

    /// <summary>The runtime hosting the CLI (e.g. <c>dotnet</c>).</summary>
    public required string PlatformName { get; init; }

    public required string PlatformVersion { get; init; }

    /// <summary>Starts as <c>""</c>; changed by <see cref="TelemetryService.SetDeploymentUrl"/>.</summary>
    public string DeploymentUrl { get; init; } = "";
}
