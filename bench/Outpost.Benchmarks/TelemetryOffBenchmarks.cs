using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry;

namespace Outpost.Benchmarks;

/// <summary>Goal: with telemetry off, <c>Trace</c> adds at most 5 ns and allocates nothing beyond the body.</summary>
[MemoryDiagnoser]
[ShortJob]
public class TelemetryOffBenchmarks
{
    private static readonly Func<ITelemetrySpan, int> Body = static span => 42;

    private TelemetryService _service = null!;

    [GlobalSetup]
    public void Setup()
    {
        _service = new TelemetryService(TelemetrySessionContext.Create("bench"), [new NullSink()], TelemetryLevel.Off, TimeProvider.System, NullLogger.Instance);
    }

    [Benchmark(Baseline = true)]
    public int Body_called_directly() => Body(NoopTelemetrySpan.Instance);

    [Benchmark]
    public int Trace_with_telemetry_off() => _service.Trace("auth.token_refreshed", Body);
}
