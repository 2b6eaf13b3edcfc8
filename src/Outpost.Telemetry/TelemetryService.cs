using System.Collections.ObjectModel;
using Microsoft.Extensions.Logging;

namespace Outpost.Telemetry;

/// <summary>The outcome of <see cref="TelemetryService.FlushAsync"/>; <c>Ok</c> only when every sink flushed.</summary>
public sealed record TelemetryFlushResult(bool Ok, IReadOnlyList<SinkFlushResult> Sinks);

/// <summary>Whether one sink flushed.</summary>
public sealed record SinkFlushResult(string Name, bool Ok);

/// <summary>
/// The reporter behind every client-side event (spec §2). Owns the session context, the
/// per-process sequence and the level; hands every event to its sinks and isolates their failures.
/// </summary>
public sealed partial class TelemetryService : ITelemetryReporter, IAsyncDisposable
{
    private static readonly IReadOnlyDictionary<string, string> NoProperties = ReadOnlyDictionary<string, string>.Empty;
    private static readonly IReadOnlyDictionary<string, double> NoMeasurements = ReadOnlyDictionary<string, double>.Empty;

    private readonly ITelemetrySink[] _sinks;
    private readonly TelemetryContext _session;
    private volatile TelemetryContext _context;
    private volatile TelemetryLevel _level;
    private long _sequence = -1;
    private int _disposed;

    public TelemetryService(
        TelemetryContext session,
        IEnumerable<ITelemetrySink> sinks,
        TelemetryLevel level,
        TimeProvider timeProvider,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _session = session with { DeploymentUrl = "" };
        _context = _session;
        _sinks = [.. sinks];
        _level = level;
        Time = timeProvider;
        Logger = logger;
    }

    public TelemetryLevel Level => _level;

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    /// <summary>Turning telemetry off flushes what is buffered (spec §2.8); traces already running still finish.</summary>
    public void SetLevel(TelemetryLevel level)
    {
        var previous = _level;
        _level = level;
        if (previous != TelemetryLevel.Off && level == TelemetryLevel.Off)
        {
            _ = FlushAsync(CancellationToken.None);
        }
    }

    public void SetDeploymentUrl(string? deploymentUrl)
    {
        _context = _session with { DeploymentUrl = DeploymentUrl.Normalize(deploymentUrl) };
    }

    /// <summary>The context the next emitted event will carry.</summary>
    public TelemetryContext GetContext() => _context;

    public void Log(string eventName, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        if (_level == TelemetryLevel.Off)
        {
            return;
        }

        EmitCopy(eventName, properties, measurements, traceId: default, parentEventId: 0, error: null);
    }

    public void LogError(string eventName, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        if (_level == TelemetryLevel.Off)
        {
            return;
        }

        EmitCopy(eventName, properties, measurements, traceId: default, parentEventId: 0, error: error ?? TelemetryError.From(null));
    }

    public T Trace<T>(string eventName, Func<ITelemetrySpan, T> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_level == TelemetryLevel.Off)
        {
            return body(NoopTelemetrySpan.Instance);
        }

        return SpanRunner.Run(StartRoot(eventName, properties, measurements), body);
    }

    public void Trace(string eventName, Action<ITelemetrySpan> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_level == TelemetryLevel.Off)
        {
            body(NoopTelemetrySpan.Instance);
            return;
        }

        SpanRunner.Run(StartRoot(eventName, properties, measurements), body);
    }

    public Task<T> TraceAsync<T>(string eventName, Func<ITelemetrySpan, CancellationToken, Task<T>> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_level == TelemetryLevel.Off)
        {
            return body(NoopTelemetrySpan.Instance, cancellationToken);
        }

        return SpanRunner.RunAsync(StartRoot(eventName, properties, measurements), body, cancellationToken);
    }

    public Task TraceAsync(string eventName, Func<ITelemetrySpan, CancellationToken, Task> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_level == TelemetryLevel.Off)
        {
            return body(NoopTelemetrySpan.Instance, cancellationToken);
        }

        return SpanRunner.RunAsync(StartRoot(eventName, properties, measurements), body, cancellationToken);
    }

    /// <summary>Flushes every sink; never throws (spec §2.3).</summary>
    public async Task<TelemetryFlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        var results = new List<SinkFlushResult>(_sinks.Length);
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
                results.Add(new SinkFlushResult(sink.Name, true));
            }
            catch (Exception exception)
            {
                Telemetry.Log.SinkFlushFailed(Logger, sink.Name, exception);
                results.Add(new SinkFlushResult(sink.Name, false));
            }
        }

        return new TelemetryFlushResult(results.TrueForAll(static r => r.Ok), results);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Telemetry.Log.SinkDisposeFailed(Logger, sink.Name, exception);
            }
        }
    }

    internal TelemetrySpan? StartRoot(string eventName, TelemetryProperties? properties, TelemetryMeasurements? measurements)
    {
        try
        {
            return new TelemetrySpan(this, eventName, TelemetryIds.NewTraceIdValue(), parentEventId: 0, properties, measurements);
        }
        catch (Exception exception)
        {
            Telemetry.Log.SpanStartFailed(Logger, eventName, exception);
            return null;
        }
    }

    internal void EmitCopy(string eventName, TelemetryProperties? properties, TelemetryMeasurements? measurements, UInt128 traceId, ulong parentEventId, object? error)
    {
        try
        {
            TelemetryMap<string>? props = null;
            if (properties is { Count: > 0 })
            {
                props = new TelemetryMap<string>(properties.Count);
                properties.CopyTo(props);
            }

            TelemetryMap<double>? meas = null;
            if (measurements is { Count: > 0 })
            {
                meas = new TelemetryMap<double>(measurements.Count);
                measurements.CopyTo(meas);
            }

            var arrays = properties?.ArrayKeys is { } keys ? new HashSet<string>(keys, StringComparer.Ordinal) : null;
            Emit(eventName, props, meas, traceId, parentEventId, error is null ? null : TelemetryError.From(error), eventId: 0, arrays);
        }
        catch (Exception exception)
        {
            Telemetry.Log.EmitFailed(Logger, eventName, exception);
        }
    }

    /// <summary>
    /// Builds the event and hands it to every sink. Ids are numbers here (zero for "none") and
    /// become text only when something reads them. Does not consult the level: callers check it,
    /// and spans have frozen it at their start (spec §2.5.4).
    /// </summary>
    internal void Emit(
        string eventName,
        TelemetryMap<string>? properties,
        TelemetryMap<double>? measurements,
        UInt128 traceId,
        ulong parentEventId,
        TelemetryError? error,
        ulong eventId,
        IReadOnlySet<string>? arrayPropertyKeys = null)
    {
        try
        {
            // A row without a name would make the reader stop at it and lose the rest of the file.
            ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
            var telemetryEvent = new TelemetryEvent
            {
                EventIdValue = eventId != 0 ? eventId : TelemetryIds.NewEventIdValue(),
                EventName = eventName,
                Timestamp = TruncateToMilliseconds(Time.GetUtcNow()),
                EventSequence = Interlocked.Increment(ref _sequence),
                Context = _context,
                Properties = properties ?? NoProperties,
                ArrayPropertyKeys = arrayPropertyKeys ?? TelemetryPropertyValues.NoArrayKeys,
                Measurements = measurements ?? NoMeasurements,
                TraceIdValue = traceId,
                ParentEventIdValue = parentEventId,
                Error = error,
            };
            Telemetry.Log.EventEmitted(Logger, eventName);
            foreach (var sink in _sinks)
            {
                if (sink.MinLevel > TelemetryLevel.Local)
                {
                    continue;
                }

                try
                {
                    sink.Write(telemetryEvent);
                }
                catch (Exception exception)
                {
                    Telemetry.Log.SinkWriteFailed(Logger, sink.Name, exception);
                }
            }
        }
        catch (Exception exception)
        {
            Telemetry.Log.EmitFailed(Logger, eventName, exception);
        }
    }

    internal static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value)
    {
        var utc = value.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
