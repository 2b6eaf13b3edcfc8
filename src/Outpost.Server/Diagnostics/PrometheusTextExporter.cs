using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Outpost.Server.Diagnostics;

/// <summary>
/// Formats OpenTelemetry metrics as the Prometheus text exposition format (version 0.0.4).
/// The OpenTelemetry Prometheus exporter package is not available here, so this is the small
/// piece of it that <c>/metrics</c> needs: counters, gauges and explicit-bucket histograms.
/// </summary>
/// <remarks>
/// Naming follows the OpenTelemetry-to-Prometheus rules: characters outside <c>[a-zA-Z0-9_:]</c>
/// become <c>_</c>; the unit adds a suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>,
/// <c>ms</c> → <c>_milliseconds</c>) unless the name already ends with it; monotonic counters end in
/// <c>_total</c>. Histograms write cumulative <c>_bucket{le="…"}</c> lines ending in <c>+Inf</c>,
/// then <c>_sum</c> and <c>_count</c>.
/// </remarks>
[ExportModes(ExportModes.Pull)]
internal sealed class PrometheusTextExporter : BaseExporter<Metric>, IPullMetricExporter
{
    private readonly StringBuilder _buffer = new(4096);
    private string _lastScrape = string.Empty;

    /// <summary>Set by the reader: runs a collection that ends in <see cref="Export"/>.</summary>
    public Func<int, bool>? Collect { get; set; }

    /// <summary>The text produced by the most recent collection.</summary>
    public string LastScrape => Volatile.Read(ref _lastScrape);

    /// <summary>Label keys that name a user or a workspace; dropped (and their series summed) when the deployment turns them off.</summary>
    public static readonly FrozenSet<string> IdentifyingLabels = FrozenSet.Create(StringComparer.Ordinal,
        "username", "user", "user_id", "owner", "owner_name", "owner_id", "workspace", "workspace_name", "workspace_id", "workspace_owner", "agent_name", "agent_id");

    /// <summary>False to drop <see cref="IdentifyingLabels"/> from every series (<c>--prometheus-user-labels=false</c>).</summary>
    public bool IncludeIdentifyingLabels { get; init; } = true;

    public override ExportResult Export(in Batch<Metric> batch)
    {
        _buffer.Clear();
        foreach (var metric in batch)
        {
            Write(_buffer, metric, IncludeIdentifyingLabels);
        }

        Volatile.Write(ref _lastScrape, _buffer.ToString());
        return ExportResult.Success;
    }

    internal static void Write(StringBuilder output, Metric metric, bool includeIdentifyingLabels = true)
    {
        var isCounter = metric.MetricType is MetricType.LongSum or MetricType.DoubleSum;
        var isHistogram = metric.MetricType is MetricType.Histogram;
        var baseName = MetricName(metric.Name, metric.Unit);
        var name = isCounter && !baseName.EndsWith("_total", StringComparison.Ordinal) ? baseName + "_total" : baseName;
        var type = isCounter ? "counter" : isHistogram ? "histogram" : "gauge";

        if (!string.IsNullOrEmpty(metric.Description))
        {
            output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(metric.Description)).Append('\n');
        }

        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        // Points are summed per label set: without the identifying labels, series that differed only
        // by a user or workspace become one.
        var series = new List<(string Labels, Series Values)>();
        var byLabels = new Dictionary<string, Series>(StringComparer.Ordinal);
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = FormatLabels(point.Tags, includeIdentifyingLabels);
            if (!byLabels.TryGetValue(labels, out var values))
            {
                values = new Series();
                byLabels[labels] = values;
                series.Add((labels, values));
            }

            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    values.Value += point.GetSumLong();
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    values.Value += point.GetSumDouble();
                    break;
                case MetricType.LongGauge:
                    values.Value += point.GetGaugeLastValueLong();
                    break;
                case MetricType.DoubleGauge:
                    values.Value += point.GetGaugeLastValueDouble();
                    break;
                case MetricType.Histogram:
                    var index = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        if (values.Buckets.Count <= index)
                        {
                            values.Buckets.Add((bucket.ExplicitBound, 0));
                        }

                        values.Buckets[index] = (bucket.ExplicitBound, values.Buckets[index].Count + bucket.BucketCount);
                        index++;
                    }

                    values.Value += point.GetHistogramSum();
                    values.Count += point.GetHistogramCount();
                    break;
                default:
                    // Exponential histograms are never configured for the Prometheus reader.
                    break;
            }
        }

        foreach (var (labels, values) in series)
        {
            if (!isHistogram)
            {
                WriteSample(output, name, labels, null, values.Value);
                continue;
            }

            long cumulative = 0;
            foreach (var (bound, count) in values.Buckets)
            {
                cumulative += count;
                var le = double.IsPositiveInfinity(bound) ? "+Inf" : FormatDouble(bound);
                WriteSample(output, name + "_bucket", labels, le, cumulative);
            }

            WriteSample(output, name + "_sum", labels, null, values.Value);
            WriteSample(output, name + "_count", labels, null, values.Count);
        }
    }

    private sealed class Series
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public List<(double Bound, long Count)> Buckets { get; } = [];
    }

    internal static string MetricName(string name, string? unit)
    {
        var builder = new StringBuilder(name.Length + 16);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var valid = char.IsAsciiLetter(c) || c == '_' || c == ':' || (char.IsAsciiDigit(c) && i > 0);
            builder.Append(valid ? c : '_');
        }

        var suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => null,
        };
        if (suffix is not null && !builder.ToString().EndsWith(suffix, StringComparison.Ordinal))
        {
            builder.Append(suffix);
        }

        return builder.ToString();
    }

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string FormatLabels(ReadOnlyTagCollection tags, bool includeIdentifyingLabels)
    {
        if (tags.Count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (var tag in tags)
        {
            if (!includeIdentifyingLabels && IdentifyingLabels.Contains(tag.Key))
            {
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(MetricName(tag.Key, null)).Append("=\"")
                .Append(EscapeLabelValue(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty))
                .Append('"');
        }

        return builder.ToString();
    }

    private static void WriteSample(StringBuilder output, string name, string labels, string? le, double value)
    {
        output.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{').Append(labels);
            if (le is not null)
            {
                output.Append(labels.Length > 0 ? ",le=\"" : "le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(FormatDouble(value)).Append('\n');
    }

    private static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
