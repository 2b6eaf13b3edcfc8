using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Outpost.Provisioner.Daemon;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Daemon;

public sealed class ProvisionerMetricsTests
{
    [Fact]
    public async Task A_finished_build_is_recorded_with_the_seed_metric_names_and_labels()
    {
        var job = DaemonHarness.BuildJob();
        var version = job.WorkspaceBuild!.TemplateVersionId.ToString("D");
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Tags)>();
        // The counter is the last instrument the daemon records for a build.
        var counted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = Tags(tags);
            measurements.Enqueue((instrument.Name, value, map));
            if (instrument.Name == "outpost_workspace_builds" && map.GetValueOrDefault("template_version") == version)
            {
                counted.TrySetResult();
            }
        }

        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProvisionerDiagnostics.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        await using var harness = new DaemonHarness();
        harness.Client.Enqueue(job);
        _ = harness.Start();
        await harness.NextResultAsync();
        await counted.Task.WithTimeout(TestTimeouts.Short);

        var ours = measurements.Where(m => !m.Tags.TryGetValue("template_version", out var v) || v == version).ToList();
        Assert.Contains(ours, m => m.Instrument == "outpost_provisionerd_job_timings" && m.Tags["provisioner"] == "local" && m.Tags["status"] == "success");
        var build = Assert.Single(ours, m => m.Instrument == "outpost_provisionerd_workspace_build_timings");
        Assert.Equal(("starter", "start", "success"), (build.Tags["template_name"], build.Tags["workspace_transition"], build.Tags["status"]));
        var builds = Assert.Single(ours, m => m.Instrument == "outpost_workspace_builds");
        Assert.Equal(1, builds.Value);
        Assert.Equal(("alice", "dev"), (builds.Tags["workspace_owner"], builds.Tags["workspace_name"]));
    }

    private static Dictionary<string, string?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value?.ToString();
        }

        return result;
    }
}
