namespace Outpost.Telemetry.Tests.Fakes;

/// <summary>Collects emitted events in memory, in emission order.</summary>
internal sealed class RecordingSink(string name = "recording") : ITelemetrySink
{
    private readonly Lock _gate = new();
    private readonly List<TelemetryEvent> _events = [];

    public string Name { get; } = name;

    public TelemetryLevel MinLevel => TelemetryLevel.Local;

    public int FlushCount { get; private set; }

    public bool Disposed { get; private set; }

    public IReadOnlyList<TelemetryEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public TelemetryEvent Single(string eventName) => Events.Single(e => e.EventName == eventName);

    public void Write(TelemetryEvent telemetryEvent)
    {
        lock (_gate)
        {
            _events.Add(telemetryEvent);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        FlushCount++;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>A sink whose every operation throws, to prove failures stay inside telemetry.</summary>
internal sealed class ThrowingSink : ITelemetrySink
{
    public string Name => "throwing";

    public TelemetryLevel MinLevel => TelemetryLevel.Local;

    public void Write(TelemetryEvent telemetryEvent) => throw new InvalidOperationException("sink write exploded");

    public Task FlushAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("sink flush exploded");

    public ValueTask DisposeAsync() => throw new InvalidOperationException("sink dispose exploded");
}
