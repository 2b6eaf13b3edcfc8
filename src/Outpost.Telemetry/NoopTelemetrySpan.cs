namespace Outpost.Telemetry;

/// <summary>
/// The span handed to bodies when telemetry is off or a span is already emitted: phases still run
/// their bodies, everything else does nothing.
/// </summary>
internal sealed class NoopTelemetrySpan : ITelemetrySpan
{
    public static readonly NoopTelemetrySpan Instance = new();

    private NoopTelemetrySpan()
    {
    }

    public string TraceId => "";

    public string EventId => "";

    public string EventName => "";

    public T Phase<T>(string name, Func<ITelemetrySpan, T> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(this);
    }

    public void Phase(string name, Action<ITelemetrySpan> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        body(this);
    }

    public Task<T> PhaseAsync<T>(string name, Func<ITelemetrySpan, CancellationToken, Task<T>> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(this, cancellationToken);
    }

    public Task PhaseAsync(string name, Func<ITelemetrySpan, CancellationToken, Task> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(this, cancellationToken);
    }

    public void Log(string name, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
    }

    public void LogError(string name, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
    }

    public void SetProperty(string key, string value)
    {
    }

    public void SetProperty(string key, bool value)
    {
    }

    public void SetProperty(string key, long value)
    {
    }

    public void SetProperty(string key, double value)
    {
    }

    public void SetMeasurement(string key, double value)
    {
    }

    public void MarkAborted()
    {
    }

    public void MarkFailure()
    {
    }

    public void MarkFailure(object? error)
    {
    }
}
