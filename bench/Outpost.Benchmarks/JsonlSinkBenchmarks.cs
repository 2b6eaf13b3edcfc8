using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry;
using Outpost.Telemetry.Local;

namespace Outpost.Benchmarks;

/// <summary>
/// Goal: the JSONL sink writes at least 200,000 events per second to disk on one core. One
/// operation is one event: a batch is buffered, then serialized and appended by one flush. The
/// baseline appends the same number of already-formatted lines, the floor set by the disk.
/// </summary>
[MemoryDiagnoser]
[ShortJob]
public class JsonlSinkBenchmarks
{
    private const int Batch = 10_000;

    private readonly List<TelemetryEvent> _events = [];
    private string _directory = null!;
    private LocalJsonlSink _sink = null!;
    private TelemetryService _service = null!;
    private byte[] _preformatted = null!;
    private string _baselineFile = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "outpost-bench-" + Guid.NewGuid().ToString("N"));
        var context = TelemetrySessionContext.Create("bench");
        var settings = new LocalTelemetrySettings { BufferLimit = Batch * 2, FlushBatchSize = Batch * 2, FlushIntervalMs = int.MaxValue, MaxFileBytes = 64L * 1024 * 1024 };
        _sink = LocalJsonlSink.Start(_directory, context, settings, TimeProvider.System, NullLogger.Instance);
        _service = new TelemetryService(context, [_sink], TelemetryLevel.Local, TimeProvider.System, NullLogger.Instance);

        var recorder = new CapturingSink();
        var source = new TelemetryService(context, [recorder], TelemetryLevel.Local, TimeProvider.System, NullLogger.Instance);
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
        _baselineFile = Path.Combine(_directory, "baseline.jsonl");
        Directory.CreateDirectory(_directory);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void Append_preformatted_lines()
    {
        TelemetryFileSystem.Instance.Append(_baselineFile, _preformatted);
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
