using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry;
using Outpost.Telemetry.Local;

namespace Outpost.Benchmarks;

/// <summary>
/// What the caller pays for <c>Log</c> with the real JSONL sink and its default settings attached:
/// buffering only, with serialization and disk writes on the background flush. A benchmark loop
/// logs far faster than any disk, so the bounded buffer overflows and drops the oldest events,
/// exactly as it would under a real flood.
/// </summary>
[MemoryDiagnoser]
[ShortJob]
public class LogCallBenchmarks
{
    private static readonly TelemetryProperties Properties = new() { { "trigger", "background" } };

    private string _directory = null!;
    private TelemetryService _nullService = null!;
    private TelemetryService _jsonlService = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "outpost-bench-" + Guid.NewGuid().ToString("N"));
        var context = TelemetrySessionContext.Create("bench");
        _nullService = new TelemetryService(context, [new NullSink()], TelemetryLevel.Local, TimeProvider.System, NullLogger.Instance);
        var sink = LocalJsonlSink.Start(_directory, context, LocalTelemetrySettings.Default, TimeProvider.System, NullLogger.Instance);
        _jsonlService = new TelemetryService(context, [sink], TelemetryLevel.Local, TimeProvider.System, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _jsonlService.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(Baseline = true)]
    public void Log_into_null_sink() => _nullService.Log("auth.token_refresh.deduped", Properties);

    [Benchmark]
    public void Log_into_jsonl_sink() => _jsonlService.Log("auth.token_refresh.deduped", Properties);
}
