using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Diagnostics;
using Outpost.Server.Provisionerd;
using Outpost.Server.ProvisionerJobs;

namespace Outpost.Server.Prebuilds;

/// <summary>
/// Creation and claim metrics (seed 003, coder-spec §7, with the <c>outpost_</c> prefix) and the
/// pool gauges. The gauges read the last reconcile pass of this process (static: process-wide).
/// </summary>
internal static class PrebuildMetrics
{
    public static readonly Counter<long> CreationTotal = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_workspace_creation",
        unit: null,
        description: "Regular workspaces (not claimed from a prebuild pool) whose first build succeeded, by template_name and preset_name.");

    public static readonly Histogram<double> ClaimDuration = ServerDiagnostics.Meter.CreateHistogram(
        "outpost_prebuilt_workspace_claim_duration",
        unit: "s",
        description: "From a claim build's acquisition to its successful completion.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 20, 30, 60, 120, 180, 240, 300] });

    public static readonly Counter<long> ClaimedTotal = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_prebuilt_workspaces_claimed",
        unit: null,
        description: "Prebuilt workspaces claimed (claim build succeeded), by template_name and preset_name.");

    /// <summary>
    /// The histograms exported as exponential histograms when OTLP is configured (seed 003: native histograms). A method
    /// over constants, not a static set: the view runs while this class's static fields are still being initialized
    /// (publishing <see cref="ClaimDuration"/> calls it), when a set field would still be null.
    /// </summary>
    public static bool IsExponentialHistogram(string name) =>
        name is "outpost_workspace_creation_duration" or "outpost_prebuilt_workspace_claim_duration";

    /// <summary>
    /// The server's OTLP meter provider: the server's and the framework's meters, with the <see cref="IsExponentialHistogram"/> ones
    /// as base-2 exponential histograms. <paramref name="configure"/> adjusts the exporter (tests point it at a receiver);
    /// otherwise it follows the <c>OTEL_EXPORTER_OTLP_*</c> variables.
    /// </summary>
    public static MeterProvider OtlpMeterProvider(Action<OpenTelemetry.Exporter.OtlpExporterOptions>? configure) =>
        OpenTelemetry.Sdk.CreateMeterProviderBuilder()
            .AddMeter(ServerDiagnostics.Name)
            .AddMeter([.. ServerDiagnostics.FrameworkMeters])
            .AddView(instrument => IsExponentialHistogram(instrument.Name) ? new Base2ExponentialBucketHistogramConfiguration() : null)
            .AddOtlpExporter(options => configure?.Invoke(options))
            .Build();

    // By reconciler: one per server, and a test process hosts several servers.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<object, IReadOnlyList<PresetPool>> Pools = new();

    public static readonly ObservableGauge<int> Desired = ServerDiagnostics.Meter.CreateObservableGauge(
        "outpost_prebuilt_workspaces_desired", () => Measure(pool => pool.Desired), unit: null,
        description: "Ready prebuilt workspaces each preset of an active version asks for.");

    public static readonly ObservableGauge<int> Running = ServerDiagnostics.Meter.CreateObservableGauge(
        "outpost_prebuilt_workspaces_running", () => Measure(pool => pool.Running), unit: null,
        description: "Prebuilt workspaces whose build succeeded, per preset.");

    public static readonly ObservableGauge<int> Eligible = ServerDiagnostics.Meter.CreateObservableGauge(
        "outpost_prebuilt_workspaces_eligible", () => Measure(pool => pool.Eligible), unit: null,
        description: "Running prebuilt workspaces whose agents are all ready: what a claim can take, per preset.");

    public static readonly ObservableGauge<int> Failed = ServerDiagnostics.Meter.CreateObservableGauge(
        "outpost_prebuilt_workspaces_failed", () => Measure(pool => pool.Failed), unit: null,
        description: "Prebuild creations that failed in a row, per preset (5 stops the preset).");

    /// <summary>The pools the gauges report, from <paramref name="reconciler"/>'s last pass.</summary>
    public static void Publish(object reconciler, IReadOnlyList<PresetPool> pools) => Pools[reconciler] = pools;

    /// <summary>Stops reporting a stopped reconciler's pools.</summary>
    public static void Forget(object reconciler) => Pools.TryRemove(reconciler, out _);

    /// <summary>
    /// Records a successful start build's duration: a prebuild's own first build as
    /// <c>type=prebuild</c>, a claim build in the claim histogram and counter, any other first build as
    /// <c>type=regular</c> (coder-spec §7's precedence).
    /// </summary>
    public static void RecordCompletion(BuildCompletion build)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (build is not { Transition: WorkspaceTransition.Start, Canceled: false })
        {
            return;
        }

        var seconds = (build.CompletedAt - build.StartedAt).TotalSeconds;
        var template = new KeyValuePair<string, object?>("template_name", build.TemplateName);
        var preset = new KeyValuePair<string, object?>("preset_name", build.PresetName ?? string.Empty);
        var organization = new KeyValuePair<string, object?>("organization_name", string.Empty);
        switch (build.Stage)
        {
            case PrebuildStage.Create:
                QueueMetrics.CreationDuration.Record(seconds, organization, template, preset, new KeyValuePair<string, object?>("type", "prebuild"));
                break;
            case PrebuildStage.Claim:
                ClaimDuration.Record(seconds, organization, template, preset);
                ClaimedTotal.Add(1, template, preset);
                break;
            case PrebuildStage.None when build.BuildNumber == 1:
                QueueMetrics.CreationDuration.Record(seconds, organization, template, preset, new KeyValuePair<string, object?>("type", "regular"));
                CreationTotal.Add(1, template, preset);
                break;
        }
    }

    public static void EnsureInstruments()
    {
        GC.KeepAlive(CreationTotal);
        GC.KeepAlive(ClaimDuration);
        GC.KeepAlive(ClaimedTotal);
        GC.KeepAlive(Desired);
        GC.KeepAlive(Running);
        GC.KeepAlive(Eligible);
        GC.KeepAlive(Failed);
    }

    private static IEnumerable<Measurement<int>> Measure(Func<PresetPool, int> value) =>
        Pools.Values.SelectMany(pools => pools).Where(pool => pool.Target.Active).Select(pool => new Measurement<int>(value(pool),
            new KeyValuePair<string, object?>("template_name", pool.Target.TemplateName),
            new KeyValuePair<string, object?>("preset_name", pool.Target.Preset)));
}
