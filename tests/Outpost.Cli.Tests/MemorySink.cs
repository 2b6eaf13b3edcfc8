using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry;

namespace Outpost.Cli.Tests;

/// <summary>A telemetry sink that keeps events in memory, for unit tests of instrumentation.</summary>
internal sealed class MemorySink : ITelemetrySink
{
    private readonly List<TelemetryEvent> _events = [];

    public string Name => "memory";

    public TelemetryLevel MinLevel => TelemetryLevel.Local;

    public IReadOnlyList<TelemetryEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public static (TelemetryService Service, MemorySink Sink) Create(TimeProvider time)
    {
        var sink = new MemorySink();
        return (new TelemetryService(TelemetrySessionContext.Create(), [sink], TelemetryLevel.Local, time, NullLogger.Instance), sink);
    }

    public void Write(TelemetryEvent telemetryEvent)
    {
        lock (_events)
        {
            _events.Add(telemetryEvent);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
