using Outpost.Telemetry.Redaction;

namespace Outpost.Telemetry;

/// <summary>
/// A running span or phase (spec §2.3, §2.5). Thread-safe: a body may hand the handle to other
/// threads. After its event is emitted every call is ignored with exactly one warning (§2.5.8).
/// </summary>
internal sealed class TelemetrySpan : ITelemetrySpan
{
    // P948 wording for the four mutators it guarded; MAIN wording for the calls it added later.
    private const string MutationDropped = "mutation dropped";
    private const string CallIgnored = "call ignored";

    private readonly TelemetryService _service;
    private readonly string? _parentEventId;
    private readonly long _startTimestamp;
    private readonly Lock _gate = new();
    private Dictionary<string, string>? _properties;
    private Dictionary<string, double>? _measurements;
    private bool _aborted;
    private bool _failed;
    private bool _completed;

    public TelemetrySpan(
        TelemetryService service,
        string eventName,
        string traceId,
        string? parentEventId,
        TelemetryProperties? properties,
        TelemetryMeasurements? measurements)
    {
        _service = service;
        EventName = eventName;
        TraceId = traceId;
        _parentEventId = parentEventId;
        EventId = TelemetryIds.NewEventId();
        if (properties is { Count: > 0 })
        {
            _properties = new Dictionary<string, string>(properties.Count + 1, StringComparer.Ordinal);
            properties.CopyTo(_properties);
        }

        if (measurements is { Count: > 0 })
        {
            _measurements = new Dictionary<string, double>(measurements.Count + 1, StringComparer.Ordinal);
            measurements.CopyTo(_measurements);
        }

        _startTimestamp = service.Time.GetTimestamp();
    }

    public string TraceId { get; }

    public string EventId { get; }

    public string EventName { get; }

    public T Phase<T>(string name, Func<ITelemetrySpan, T> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SpanRunner.Run(StartPhase(name, properties, measurements), body);
    }

    public void Phase(string name, Action<ITelemetrySpan> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        SpanRunner.Run(StartPhase(name, properties, measurements), body);
    }

    public Task<T> PhaseAsync<T>(string name, Func<ITelemetrySpan, CancellationToken, Task<T>> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SpanRunner.RunAsync(StartPhase(name, properties, measurements), body, cancellationToken);
    }

    public Task PhaseAsync(string name, Func<ITelemetrySpan, CancellationToken, Task> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SpanRunner.RunAsync(StartPhase(name, properties, measurements), body, cancellationToken);
    }

    public void Log(string name, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        if (IsCompleted("Log", name, CallIgnored))
        {
            return;
        }

        _service.EmitCopy(ChildName("log", name), properties, measurements, TraceId, EventId, error: null);
    }

    public void LogError(string name, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        if (IsCompleted("LogError", name, CallIgnored))
        {
            return;
        }

        _service.EmitCopy(ChildName("log", name), properties, measurements, TraceId, EventId, error ?? TelemetryError.From(null));
    }

    public void SetProperty(string key, string value) => SetConvertedProperty(key, value is null ? "" : TelemetryRedactor.RedactProperty(key, value));

    public void SetProperty(string key, bool value) => SetConvertedProperty(key, TelemetryValues.ToPropertyString(value));

    public void SetProperty(string key, long value) => SetConvertedProperty(key, TelemetryValues.ToPropertyString(value));

    public void SetProperty(string key, double value) => SetConvertedProperty(key, TelemetryValues.ToPropertyString(value));

    public void SetMeasurement(string key, double value)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                (_measurements ??= new Dictionary<string, double>(2, StringComparer.Ordinal))[key] = value;
                return;
            }
        }

        WarnAfterEmit("SetMeasurement", key, MutationDropped);
    }

    public void MarkAborted()
    {
        lock (_gate)
        {
            if (!_completed)
            {
                _aborted = true;
                return;
            }
        }

        WarnAfterEmit("MarkAborted", null, MutationDropped);
    }

    public void MarkFailure()
    {
        lock (_gate)
        {
            if (!_completed)
            {
                _failed = true;
                return;
            }
        }

        WarnAfterEmit("MarkFailure", null, MutationDropped);
    }

    /// <summary>Emits this span's event once; a thrown exception beats the marks, failure beats aborted.</summary>
    internal void Complete(Exception? thrown)
    {
        try
        {
            Dictionary<string, string> properties;
            Dictionary<string, double> measurements;
            string result;
            lock (_gate)
            {
                if (_completed)
                {
                    return;
                }

                _completed = true;
                result = thrown is not null || _failed ? "error" : _aborted ? "aborted" : "success";
                properties = _properties ?? new Dictionary<string, string>(1, StringComparer.Ordinal);
                measurements = _measurements ?? new Dictionary<string, double>(1, StringComparer.Ordinal);
            }

            properties[TelemetryEvent.ResultProperty] = result;
            measurements[TelemetryEvent.DurationMeasurement] = _service.Time.GetElapsedTime(_startTimestamp).TotalMilliseconds;
            var error = thrown is null ? null : TelemetryError.From(thrown);
            _service.Emit(EventName, properties, measurements, TraceId, _parentEventId, error, EventId);
        }
        catch (Exception exception)
        {
            Telemetry.Log.EmitFailed(_service.Logger, EventName, exception);
        }
    }

    private void SetConvertedProperty(string key, string value)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                (_properties ??= new Dictionary<string, string>(3, StringComparer.Ordinal))[key] = value;
                return;
            }
        }

        WarnAfterEmit("SetProperty", key, MutationDropped);
    }

    private TelemetrySpan? StartPhase(string name, TelemetryProperties? properties, TelemetryMeasurements? measurements)
    {
        if (IsCompleted("Phase", name, CallIgnored))
        {
            return null;
        }

        try
        {
            return new TelemetrySpan(_service, ChildName("phase", name), TraceId, EventId, properties, measurements);
        }
        catch (Exception exception)
        {
            Telemetry.Log.SpanStartFailed(_service.Logger, name, exception);
            return null;
        }
    }

    private bool IsCompleted(string method, string argument, string outcome)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                return false;
            }
        }

        WarnAfterEmit(method, argument, outcome);
        return true;
    }

    private void WarnAfterEmit(string method, string? argument, string outcome)
    {
        var call = argument is null ? method + "()" : method + "('" + argument + "')";
        Telemetry.Log.CalledAfterEmit(_service.Logger, EventName, call, outcome);
    }

    // Child names must not contain '.', which separates the levels of a name (spec §2.3).
    private string ChildName(string kind, string name)
    {
        name ??= "";
        if (name.Contains('.', StringComparison.Ordinal))
        {
            var sanitized = name.Replace('.', '_');
            Telemetry.Log.ChildNameSanitized(_service.Logger, kind, name, sanitized);
            name = sanitized;
        }

        return EventName + "." + name;
    }
}
