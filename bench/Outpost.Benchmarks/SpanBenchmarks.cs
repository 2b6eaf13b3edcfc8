using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry;

namespace Outpost.Benchmarks;

/// <summary>
/// Goal: a span with two properties and one measurement costs at most 1.5× a bare
/// <c>StartActivity</c>/<c>Stop</c> under an always-sampling listener.
/// </summary>
[MemoryDiagnoser]
[ShortJob]
public class SpanBenchmarks
{
    private static readonly Action<ITelemetrySpan> Body = static span =>
    {
        span.SetProperty("trigger", "reactive");
        span.SetProperty("workspaceName", "dev");
        span.SetMeasurement("attempt", 1);
    };

    private ActivitySource _source = null!;
    private ActivityListener _listener = null!;
    private TelemetryService _service = null!;

    [GlobalSetup]
    public void Setup()
    {
        _source = new ActivitySource("Outpost.Benchmarks");
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == "Outpost.Benchmarks",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        _service = new TelemetryService(TelemetrySessionContext.Create("bench"), [new NullSink()], TelemetryLevel.Local, TimeProvider.System, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Activity_start_stop()
    {
        using var activity = _source.StartActivity("auth.token_refreshed");
    }

    [Benchmark]
    public void Span_with_two_properties_and_one_measurement() => _service.Trace("auth.token_refreshed", Body);
}
