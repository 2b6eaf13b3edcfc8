using System.Globalization;
using System.Text;

namespace Outpost.Telemetry.Export;

/// <summary>
/// Turns metric-shaped events into OTLP metrics (spec §10.6): every measurement of
/// <c>ssh.network.sampled</c> and the non-count measurements of <c>http.requests</c> become gauges;
/// <c>count.*</c> keys become cumulative monotonic sums. Points are grouped per (name, unit, kind)
/// in first-seen order; cumulative state resets at every resource block, like a process restart.
/// </summary>
internal sealed class OtlpMetricBuffer(OtlpSignalWriter writer)
{
    public const int MaxBufferedPoints = 10_000;

    private const string HttpRequests = "http.requests";
    private const string NetworkSampled = "ssh.network.sampled";
    private const string WindowKey = "window_seconds";
    private const string CountPrefix = "count.";

    private static readonly (string Suffix, string Unit)[] Units = [("_ms", "ms"), ("_seconds", "s"), ("_mbits", "Mbit/s")];

    private readonly List<MetricGroup> _groups = [];
    private readonly Dictionary<(string Name, string Unit, bool Sum), MetricGroup> _byKey = [];
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);
    private long? _anchor;
    private int _points;
    private int _block = -1;
    private TelemetryContext? _context;

    public static bool IsMetricEvent(string eventName) => eventName is HttpRequests or NetworkSampled;

    public void Add(TelemetryEvent e, int block)
    {
        writer.SourceEvents++;
        _block = block;
        _context = e.Context;
        var time = OtlpSignalWriter.NanosOf(e.Timestamp);
        long? windowStart = null;
        if (e.EventName == HttpRequests)
        {
            var window = e.Measurements.TryGetValue(WindowKey, out var seconds) && double.IsFinite(seconds) ? seconds : 0;
            if (window > 0)
            {
                windowStart = time - (long)Math.Round(window * 1_000_000_000);
            }
        }

        _anchor ??= windowStart ?? time;
        foreach (var (key, value) in e.Measurements)
        {
            if (e.EventName == HttpRequests && key == WindowKey)
            {
                continue;
            }

            if (e.EventName == HttpRequests && key.StartsWith(CountPrefix, StringComparison.Ordinal))
            {
                AddCounter(e, key, value, time);
            }
            else
            {
                var (stripped, unit) = UnitOf(key);
                Buffer($"{e.EventName}.{stripped}", unit, sum: false, e.EventName, new MetricPoint(e.Properties, e.EventName, time, windowStart, value, null));
            }
        }
    }

    /// <summary>Writes what is buffered and forgets the block's cumulative state.</summary>
    public void EndBlock()
    {
        Flush();
        _totals.Clear();
        _anchor = null;
    }

    private void AddCounter(TelemetryEvent e, string key, double value, long time)
    {
        var increment = double.IsFinite(value) ? Math.Max(0, (long)Math.Round(value)) : 0;
        var name = $"{e.EventName}.{key}";
        var series = SeriesKey(e.EventName, name, e.Properties);
        _totals.TryGetValue(series, out var total);
        total += increment;
        _totals[series] = total;
        if (total == 0)
        {
            return;
        }

        var start = Math.Min(_anchor ?? time, time);
        Buffer(name, "{request}", sum: true, e.EventName, new MetricPoint(e.Properties, e.EventName, time, start, null, total));
    }

    private void Buffer(string name, string unit, bool sum, string description, MetricPoint point)
    {
        if (!_byKey.TryGetValue((name, unit, sum), out var group))
        {
            group = new MetricGroup(name, unit, sum, description);
            _byKey[(name, unit, sum)] = group;
            _groups.Add(group);
        }

        group.Points.Add(point);
        if (++_points >= MaxBufferedPoints)
        {
            Flush();
        }
    }

    private void Flush()
    {
        if (_groups.Count > 0 && _context is not null)
        {
            foreach (var group in _groups)
            {
                WriteMetric(group);
            }
        }

        _groups.Clear();
        _byKey.Clear();
        _points = 0;
    }

    private void WriteMetric(MetricGroup group)
    {
        var json = writer.BeginRecord(_block, _context!);
        json.WriteStartObject();
        json.WriteString("name", group.Name);
        json.WriteString("unit", group.Unit);
        json.WriteString("description", group.Description);
        json.WriteStartObject(group.Sum ? "sum" : "gauge");
        json.WriteStartArray("dataPoints");
        foreach (var point in group.Points)
        {
            json.WriteStartObject();
            json.WriteStartArray("attributes");
            foreach (var (key, value) in point.Properties)
            {
                OtlpSignalWriter.WriteStringAttribute(json, key, value);
            }

            OtlpSignalWriter.WriteStringAttribute(json, OtlpJsonExportWriter.EventNameAttribute, point.EventName);
            json.WriteEndArray();
            if (point.Start is { } start)
            {
                json.WriteString("startTimeUnixNano", OtlpSignalWriter.Nanos(start));
            }

            json.WriteString("timeUnixNano", OtlpSignalWriter.Nanos(point.Time));
            if (point.Total is { } total)
            {
                json.WriteString("asInt", total.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                json.WriteNumber("asDouble", point.Value ?? 0);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (group.Sum)
        {
            json.WriteNumber("aggregationTemporality", 2);
            json.WriteBoolean("isMonotonic", true);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static (string Name, string Unit) UnitOf(string key)
    {
        foreach (var (suffix, unit) in Units)
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal) && key.Length > suffix.Length)
            {
                return (key[..^suffix.Length], unit);
            }
        }

        return (key, "1");
    }

    // Different routes or statuses must never share a running total.
    private static string SeriesKey(string eventName, string metricName, IReadOnlyDictionary<string, string> properties)
    {
        var builder = new StringBuilder(eventName).Append('\u001f').Append(metricName);
        foreach (var (key, value) in properties.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            builder.Append('\u001f').Append(key).Append('=').Append(value);
        }

        return builder.ToString();
    }

    private sealed record MetricGroup(string Name, string Unit, bool Sum, string Description)
    {
        public List<MetricPoint> Points { get; } = [];
    }

    private sealed record MetricPoint(IReadOnlyDictionary<string, string> Properties, string EventName, long Time, long? Start, double? Value, long? Total);
}
