using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Outpost.Server.Diagnostics;

/// <summary>The server's one <see cref="ActivitySource"/> and one <see cref="Meter"/>.</summary>
internal static class ServerDiagnostics
{
    public const string Name = "Outpost.Server";

    public static ActivitySource ActivitySource { get; } = new(Name, Sdk.BuildVersion.Version);

    public static Meter Meter { get; } = new(Name, Sdk.BuildVersion.Version);

    /// <summary>Meters from the built-in provisioner daemons, the framework and drivers that <c>/metrics</c> and OTLP also export.</summary>
    public static IReadOnlyList<string> FrameworkMeters { get; } =
    [
        Provisioner.Daemon.ProvisionerDiagnostics.Name,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Npgsql",
        "System.Runtime",
    ];

    private static readonly ObservableGauge<int> BuildInfo = Meter.CreateObservableGauge(
        "outpost_build_info",
        static () => new Measurement<int>(1,
            new KeyValuePair<string, object?>("version", Sdk.BuildVersion.Version),
            new KeyValuePair<string, object?>("commit", Sdk.BuildVersion.Commit)),
        unit: null,
        description: "Always 1; the labels name the running version and commit.");

    /// <summary>Touches the static instruments so they exist before the first scrape.</summary>
    public static void EnsureInstruments() => GC.KeepAlive(BuildInfo);
}
