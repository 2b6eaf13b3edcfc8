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
    private readonly UInt128 _traceId;
    private readonly ulong _eventId;
    private readonly ulong _parentEventId;
    private string? _traceIdText;
    private string? _eventIdText;
    private readonly long _startTimestamp;
    private int _busy;
    private TelemetryMap<string>? _properties;
    private TelemetryMap<double>? _measurements;
    private bool _aborted;
    private bool _failed;
    private TelemetryError? _failure;
    private bool _completed;

    public TelemetrySpan(
        TelemetryService service,
        string eventName,
        UInt128 traceId,
        ulong parentEventId,
        TelemetryProperties? properties,
        TelemetryMeasurements? measurements)
    {
        _service = service;
        EventName = eventName;
        _traceId = traceId;
        _parentEventId = parentEventId;
        _eventId = TelemetryIds.NewEventIdValue();
        if (properties is { Count: > 0 })
        {
            _properties = new TelemetryMap<string>(properties.Count + 1);
            properties.CopyTo(_properties);
        }

        if (measurements is { Count: > 0 })
        {
            _measurements = new TelemetryMap<double>(measurements.Count + 1);
            measurements.CopyTo(_measurements);
        }

        _startTimestamp = service.Time.GetTimestamp();
    }

    public string TraceId => _traceIdText ??= TelemetryIds.Format(_traceId);

    public string EventId => _eventIdText ??= TelemetryIds.Format(_eventId);

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

        _service.EmitCopy(ChildName("log", name), properties, measurements, _traceId, _eventId, error: null);
    }

    public void LogError(string name, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        if (IsCompleted("LogError", name, CallIgnored))
        {
            return;
        }

        _service.EmitCopy(ChildName("log", name), properties, measurements, _traceId, _eventId, error ?? TelemetryError.From(null));
    }

    public void SetProperty(string key, string value) => SetConvertedProperty(key, value is null ? "" : TelemetryRedactor.RedactProperty(key, value));

    public void SetProperty(string key, bool value) => SetConvertedProperty(key, TelemetryValues.ToPropertyString(value));

    public void SetProperty(string key, long value) => SetConvertedProperty(key, TelemetryValues.ToPropertyString(value));

    public void SetProperty(string key, double value) => SetConvertedProperty(key, TelemetryValues.ToPropertyString(value));

    public void SetMeasurement(string key, double value)
    {
        if (key is null)
        {
            return;
        }

        Enter();
        var open = !_completed;
        if (open)
        {
            (_measurements ??= new TelemetryMap<double>(2)).Set(key, value);
        }

        Exit();
        if (!open)
        {
            WarnAfterEmit("SetMeasurement", key, MutationDropped);
        }
    }

    public void MarkAborted()
    {
        Enter();
        var open = !_completed;
        if (open)
        {
            _aborted = true;
        }

        Exit();
        if (!open)
        {
            WarnAfterEmit("MarkAborted", null, MutationDropped);
        }
    }

    public void MarkFailure() => MarkFailure(null);

    public void MarkFailure(object? error)
    {
        // A ready-made block is redacted here too: its message may quote a server's answer.
        var block = error switch
        {
            null => null,
            TelemetryError given => given with { Message = Redaction.TelemetryRedactor.RedactText(given.Message) },
            _ => TelemetryError.From(error),
        };
        Enter();
        var open = !_completed;
        if (open)
        {
            _failed = true;
            _failure = block ?? _failure;
        }

        Exit();
        if (!open)
        {
            WarnAfterEmit("MarkFailure", null, MutationDropped);
        }
    }

    // The guarded sections are a few instructions long, so a spin flag costs less than a lock
    // object per span; contention only happens when a body shares its span across threads.
    private void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            EnterContended();
        }
    }

    private void EnterContended()
    {
        var spinner = default(SpinWait);
        while (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            spinner.SpinOnce();
        }
    }

    private void Exit() => Volatile.Write(ref _busy, 0);

    /// <summary>Emits this span's event once; a thrown exception beats the marks, failure beats aborted.</summary>
    internal void Complete(Exception? thrown)
    {
        try
        {
            TelemetryMap<string> properties;
            TelemetryMap<double> measurements;
            string result;
            Enter();
            var alreadyCompleted = _completed;
            _completed = true;
            result = thrown is not null || _failed ? "error" : _aborted ? "aborted" : "success";
            properties = _properties ?? new TelemetryMap<string>(1);
            measurements = _measurements ?? new TelemetryMap<double>(1);
            Exit();
            if (alreadyCompleted)
            {
                return;
            }

            properties.Set(TelemetryEvent.ResultProperty, result);
            measurements.Set(TelemetryEvent.DurationMeasurement, _service.Time.GetElapsedTime(_startTimestamp).TotalMilliseconds);
            var error = thrown is null ? _failure : TelemetryError.From(thrown);
            _service.Emit(EventName, properties, measurements, _traceId, _parentEventId, error, _eventId);
        }
        catch (Exception exception)
        {
            Telemetry.Log.EmitFailed(_service.Logger, EventName, exception);
        }
    }

    private void SetConvertedProperty(string key, string value)
    {
        if (key is null)
        {
            return;
        }

        Enter();
        var open = !_completed;
        if (open)
        {
            (_properties ??= new TelemetryMap<string>(3)).Set(key, value);
        }

        Exit();
        if (!open)
        {
            WarnAfterEmit("SetProperty", key, MutationDropped);
        }
    }

    private TelemetrySpan? StartPhase(string name, TelemetryProperties? properties, TelemetryMeasurements? measurements)
    {
        if (IsCompleted("Phase", name, CallIgnored))
        {
            return null;
        }

        try
        {
            return new TelemetrySpan(_service, ChildName("phase", name), _traceId, _eventId, properties, measurements);
        }
        catch (Exception exception)
        {
            Telemetry.Log.SpanStartFailed(_service.Logger, name, exception);
            return null;
        }
    }

    private bool IsCompleted(string method, string argument, string outcome)
    {
        Enter();
        var completed = _completed;
        Exit();
        if (completed)
        {
            WarnAfterEmit(method, argument, outcome);
        }

        return completed;
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
