using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Tests.Diagnostics;

public sealed class PrometheusTextExporterTests : IDisposable
{
    private readonly Meter _meter = new($"test.{Guid.NewGuid():N}");
    private readonly PrometheusScraper _scraper = new();
    private readonly MeterProvider _provider;

    public PrometheusTextExporterTests()
    {
        _provider = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(_meter.Name).AddReader(_scraper.Reader).Build();
    }

    [Fact]
    public void Counters_end_in_total_with_help_and_type_lines()
    {
        var counter = _meter.CreateCounter<long>("outpost_workspace_builds_enqueued", description: "Builds enqueued.");
        counter.Add(2, new KeyValuePair<string, object?>("transition", "start"));
        counter.Add(1, new KeyValuePair<string, object?>("transition", "start"));

        var text = _scraper.Scrape()!;

        Assert.Contains("# HELP outpost_workspace_builds_enqueued_total Builds enqueued.\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE outpost_workspace_builds_enqueued_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("outpost_workspace_builds_enqueued_total{transition=\"start\"} 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Histograms_write_cumulative_buckets_ending_in_inf_then_sum_and_count()
    {
        var histogram = _meter.CreateHistogram<double>("outpost_job_wait", unit: "s", description: null,
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        histogram.Record(0.05);
        histogram.Record(0.5);
        histogram.Record(0.7);
        histogram.Record(50);

        var lines = _scraper.Scrape()!.Split('\n');

        Assert.Contains("# TYPE outpost_job_wait_seconds histogram", lines);
        Assert.Contains("outpost_job_wait_seconds_bucket{le=\"0.1\"} 1", lines);
        Assert.Contains("outpost_job_wait_seconds_bucket{le=\"1\"} 3", lines);
        Assert.Contains("outpost_job_wait_seconds_bucket{le=\"10\"} 3", lines);
        Assert.Contains("outpost_job_wait_seconds_bucket{le=\"+Inf\"} 4", lines);
        Assert.Contains("outpost_job_wait_seconds_sum 51.25", lines);
        Assert.Contains("outpost_job_wait_seconds_count 4", lines);
        var bucketOrder = lines.Where(l => l.StartsWith("outpost_job_wait_seconds_bucket", StringComparison.Ordinal)).ToList();
        Assert.EndsWith("le=\"+Inf\"} 4", bucketOrder[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline()
    {
        var counter = _meter.CreateCounter<long>("escapes");
        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"quoted\"\nnext"));

        var text = _scraper.Scrape()!;

        Assert.Contains("escapes_total{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_and_label_keys_replace_invalid_characters()
    {
        var gauge = _meter.CreateUpDownCounter<int>("http.server.active-requests", unit: "{request}");
        gauge.Add(4, new KeyValuePair<string, object?>("url.scheme", "http"));

        var text = _scraper.Scrape()!;

        Assert.Contains("# TYPE http_server_active_requests gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("http_server_active_requests{url_scheme=\"http\"} 4\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("duration", "s", "duration_seconds")]
    [InlineData("duration_seconds", "s", "duration_seconds")]
    [InlineData("size", "By", "size_bytes")]
    [InlineData("9lives", null, "_lives")]
    public void Units_add_their_suffix_once(string name, string? unit, string expected) =>
        Assert.Equal(expected, PrometheusTextExporter.MetricName(name, unit));

    public void Dispose()
    {
        _provider.Dispose();
        _scraper.Dispose();
        _meter.Dispose();
    }
}
