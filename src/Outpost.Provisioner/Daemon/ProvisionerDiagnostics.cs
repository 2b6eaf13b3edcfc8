using System.Diagnostics;
using System.Diagnostics.Metrics;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>The provisioner's one <see cref="ActivitySource"/> and one <see cref="Meter"/>; names follow coder-spec §7 with the <c>outpost_</c> prefix.</summary>
public static class ProvisionerDiagnostics
{
    /// <summary>The name of the source and the meter, for a host that exports them.</summary>
    public const string Name = "Outpost.Provisioner";

    internal const string Success = "success";
    internal const string Failed = "failed";

    private static readonly double[] Buckets = [1, 10, 30, 60, 300, 600, 1800, 3600];

    internal static ActivitySource ActivitySource { get; } = new(Name, Sdk.BuildVersion.Version);

    internal static Meter Meter { get; } = new(Name, Sdk.BuildVersion.Version);

    private static readonly Histogram<double> JobTimings = Meter.CreateHistogram(
        "outpost_provisionerd_job_timings",
        unit: "s",
        description: "How long provisioner jobs took, by provisioner and outcome.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });

    private static readonly Histogram<double> BuildTimings = Meter.CreateHistogram(
        "outpost_provisionerd_workspace_build_timings",
        unit: "s",
        description: "How long workspace builds took, by template, transition and outcome.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });

    private static readonly Counter<long> Builds = Meter.CreateCounter<long>(
        "outpost_workspace_builds",
        unit: "{build}",
        description: "Workspace builds run by this daemon, by workspace, template, transition and outcome.");

    internal static void RecordJob(string provisioner, string status, TimeSpan elapsed) =>
        JobTimings.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("provisioner", provisioner),
            new KeyValuePair<string, object?>("status", status));

    internal static void RecordBuild(WorkspaceBuildJob build, string status, TimeSpan elapsed)
    {
        var transition = WireName<WorkspaceTransition>.Name(build.Transition);
        var version = build.TemplateVersionId.ToString("D");
        BuildTimings.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("template_name", build.TemplateName),
            new KeyValuePair<string, object?>("template_version", version),
            new KeyValuePair<string, object?>("workspace_transition", transition),
            new KeyValuePair<string, object?>("status", status));
        var tags = new TagList
        {
            { "workspace_owner", build.OwnerName },
            { "workspace_name", build.WorkspaceName },
            { "template_name", build.TemplateName },
            { "template_version", version },
            { "workspace_transition", transition },
            { "status", status },
        };
        Builds.Add(1, tags);
    }
}
