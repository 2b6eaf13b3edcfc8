using System.Globalization;

namespace Outpost.Benchmarks.AgentLoad;

/// <summary>
/// Reads the server's own counters from its unauthenticated Prometheus listener (<c>--prometheus-address</c>):
/// the runtime's <c>System.Runtime</c> meter (GC collections and pause time, thread-pool queue length) and
/// Npgsql's pool (connections in use against the maximum, connections opened). Totals are read at the start and
/// end of the measured period; gauges are sampled every <see cref="Interval"/> in between (a scrape is a snapshot,
/// so the sampled maximum is a lower bound of the true one).
/// </summary>
internal sealed class ServerCounters(Uri metricsUrl) : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<double> _queueLength = [];
    private readonly List<double> _used = [];
    private readonly List<(double At, double PauseMs, double Gcs, double Queue, double Used)> _timeline = [];
    private double _max;

    /// <summary>Sums of every series whose name starts with a prefix, one scrape.</summary>
    public sealed record Snapshot(IReadOnlyDictionary<string, double> Series)
    {
        public double Sum(string name, string? label = null) =>
            Series.Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)) && (label is null || s.Key.Contains(label, StringComparison.Ordinal)))
                .Sum(s => s.Value);
    }

    public async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var text = await _client.GetStringAsync(metricsUrl, cancellationToken).ConfigureAwait(false);
        LastText = text;
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                series[line[..space]] = value;
            }
        }

        return new Snapshot(series);
    }

    /// <summary>The text of the latest scrape (written out with <c>--metrics-out</c>).</summary>
    public string LastText { get; private set; } = string.Empty;

    /// <summary>Each sample: seconds since the sampling started, cumulative GC pause (ms) and count, queue length, connections in use.</summary>
    public IReadOnlyList<(double At, double PauseMs, double Gcs, double Queue, double Used)> Timeline => _timeline;

    /// <summary>Samples the gauges until <paramref name="stop"/> is canceled.</summary>
    public async Task SampleAsync(CancellationToken stop)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var snapshot = await ReadAsync(stop).ConfigureAwait(false);
                _queueLength.Add(snapshot.Sum(QueueLength));
                _used.Add(snapshot.Sum(PoolCount, "state=\"used\""));
                _timeline.Add((started.Elapsed.TotalSeconds, snapshot.Sum(GcPause) * 1000, snapshot.Sum(GcCollections), _queueLength[^1], _used[^1]));
                _max = snapshot.Sum(PoolMax, "\"outpost\"");
                await Task.Delay(Interval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public const string GcCollections = "dotnet_gc_collections_total";
    public const string GcPause = "dotnet_gc_pause_time_seconds_total";
    public const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total";
    // The runtime's observable up-down counters come out with the counter suffix.
    public const string QueueLength = "dotnet_thread_pool_queue_length_total";
    public const string ThreadCount = "dotnet_thread_pool_thread_count_total";
    public const string LockContentions = "dotnet_monitor_lock_contentions_total";

    // Npgsql 10 exports no count of callers waiting for a connection: a sample with every pooled connection in
    // use is the sign that callers wait; connections opened in the period (pruned ones reopened) and the time
    // spent opening them are the other cost of the pool.
    public const string PoolCount = "db_client_connection_count";
    public const string PoolMax = "db_client_connection_max";
    public const string PoolCreateTime = "db_client_connection_npgsql_create_time_seconds_sum";
    public const string PoolCreated = "db_client_connection_npgsql_create_time_seconds_count";

    /// <summary>What happened in the server between two snapshots, with the gauges sampled in between.</summary>
    public Period Between(Snapshot start, Snapshot end) => new(
        end.Sum(GcCollections, "gen0") - start.Sum(GcCollections, "gen0"),
        end.Sum(GcCollections, "gen1") - start.Sum(GcCollections, "gen1"),
        end.Sum(GcCollections, "gen2") - start.Sum(GcCollections, "gen2"),
        (end.Sum(GcPause) - start.Sum(GcPause)) * 1000,
        (end.Sum(Allocated) - start.Sum(Allocated)) / 1048576,
        end.Sum(LockContentions) - start.Sum(LockContentions),
        _queueLength.Count == 0 ? 0 : _queueLength.Average(),
        _queueLength.Count == 0 ? 0 : _queueLength.Max(),
        end.Sum(ThreadCount),
        _used.Count == 0 ? 0 : _used.Max(),
        _used.Count(u => u >= _max),
        _used.Count,
        _max,
        end.Sum(PoolCreated) - start.Sum(PoolCreated),
        (end.Sum(PoolCreateTime) - start.Sum(PoolCreateTime)) * 1000);

    public void Dispose() => _client.Dispose();

    public sealed record Period(
        double Gen0, double Gen1, double Gen2, double PauseMs, double AllocatedMiB, double LockContentions,
        double QueueMean, double QueueMax, double Threads, double UsedMax, int SamplesSaturated, int Samples, double PoolMax, double Opened, double OpenMs);
}
