using Outpost.Telemetry;

namespace Outpost.Benchmarks;

/// <summary>
/// Accepts and forgets events, so a span benchmark measures the reporter itself, the way the
/// ActivityListener baseline measures ActivitySource without an exporter.
/// </summary>
internal sealed class NullSink : ITelemetrySink
{
    public string Name => "null";

    public TelemetryLevel MinLevel => TelemetryLevel.Local;

    public TelemetryEvent? Last { get; private set; }

    public void Write(TelemetryEvent telemetryEvent) => Last = telemetryEvent;

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
