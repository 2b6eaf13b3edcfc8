using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry;
using Outpost.Telemetry.Local;

namespace Outpost.Benchmarks;

/// <summary>
/// Goal: the JSONL sink writes at least 200,000 events per second to disk on one core. One
/// operation is one event: a batch is buffered, then serialized and appended by one flush into a
/// fresh directory (so every iteration pays for the header and file creation, and disk use stays
/// bounded). The baseline appends the same rows already formatted: the floor set by the disk.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 20, invocationCount: 1)]
public class JsonlSinkBenchmarks
{
    private const int Batch = 50_000;

    private readonly List<TelemetryEvent> _events = [];
    private TelemetryContext _context = null!;
    private string _root = null!;
    private string _directory = null!;
    private LocalJsonlSink _sink = null!;
    private byte[] _preformatted = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "outpost-bench-" + Guid.NewGuid().ToString("N"));
        _context = TelemetrySessionContext.Create("bench");
        var recorder = new CapturingSink();
        var source = new TelemetryService(_context, [recorder], TelemetryLevel.Local, TimeProvider.System, NullLogger.Instance);
        for (var i = 0; i < Batch / 2; i++)
        {
            source.Trace("workspace.state_transitioned", span =>
            {
                span.SetProperty("workspaceName", "dev-box");
                span.SetProperty("from", "starting");
                span.SetProperty("to", "running");
                span.SetMeasurement("observedDurationMs", 1234.5);
            });
            source.Log("auth.token_refresh.deduped", new TelemetryProperties { { "trigger", "background" } });
        }

        _events.AddRange(recorder.Events);
        var lines = new StringBuilder();
        foreach (var e in _events)
        {
            lines.Append(System.Text.Json.JsonSerializer.Serialize(TelemetryWireMapping.ToRow(e), TelemetryWireContext.Default.TelemetryFileRow)).Append('\n');
        }

        _preformatted = Encoding.UTF8.GetBytes(lines.ToString());
    }

    [IterationSetup]
    public void StartIteration()
    {
        _directory = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        var settings = new LocalTelemetrySettings { BufferLimit = Batch * 2, FlushBatchSize = Batch * 2, FlushIntervalMs = int.MaxValue };
        _sink = LocalJsonlSink.Start(_directory, _context, settings, TimeProvider.System, NullLogger.Instance);
        _sink.Retention.GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void EndIteration()
    {
        _sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void Append_preformatted_rows()
    {
        TelemetryFileSystem.Instance.Append(Path.Combine(_directory, "baseline.jsonl"), _preformatted);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void Sink_write_and_flush_to_disk()
    {
        foreach (var e in _events)
        {
            _sink.Write(e);
        }

        _sink.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private sealed class CapturingSink : ITelemetrySink
    {
        public List<TelemetryEvent> Events { get; } = [];

        public string Name => "capture";

        public TelemetryLevel MinLevel => TelemetryLevel.Local;

        public void Write(TelemetryEvent telemetryEvent) => Events.Add(telemetryEvent);

        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
