namespace Outpost.Telemetry;

/// <summary>
/// Where emitted events go (spec §2.7). <see cref="Write"/> must only buffer in memory: it runs on
/// the caller's thread inside <c>Log</c> and <c>Trace</c>.
/// </summary>
public interface ITelemetrySink : IAsyncDisposable
{
    public string Name { get; }

    public TelemetryLevel MinLevel { get; }

    public void Write(TelemetryEvent telemetryEvent);

    public Task FlushAsync(CancellationToken cancellationToken);
}
