using OpenTelemetry.Metrics;

namespace Outpost.Server.Diagnostics;

/// <summary>Collects the server's metrics on demand for <c>GET /metrics</c>.</summary>
internal sealed class PrometheusScraper : IDisposable
{
    private readonly Lock _gate = new();

    public PrometheusScraper(bool includeIdentifyingLabels = true)
    {
        Exporter = new PrometheusTextExporter { IncludeIdentifyingLabels = includeIdentifyingLabels };
        Reader = new BaseExportingMetricReader(Exporter)
        {
            TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
        };
    }

    public PrometheusTextExporter Exporter { get; }

    /// <summary>The reader to register with the meter provider.</summary>
    public MetricReader Reader { get; }

    /// <summary>Runs one collection and returns its text, or null when it timed out; scrapes are serialized.</summary>
    public string? Scrape()
    {
        lock (_gate)
        {
            // A pull-only exporter must start the collection itself; the reader ignores direct calls.
            return Exporter.Collect?.Invoke(5000) == true ? Exporter.LastScrape : null;
        }
    }

    public void Dispose()
    {
        Reader.Dispose();
        Exporter.Dispose();
    }
}
