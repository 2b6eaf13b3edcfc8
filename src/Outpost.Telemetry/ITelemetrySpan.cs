namespace Outpost.Telemetry;

/// <summary>
/// The handle a traced body receives (spec §2.3). Passed explicitly: there is no ambient current
/// span, so trace boundaries are exactly where the code says they are (spec §2.9).
/// </summary>
public interface ITelemetrySpan
{
    public string TraceId { get; }

    public string EventId { get; }

    public string EventName { get; }

    /// <summary>A nested timed span named <c>&lt;this name&gt;.&lt;name&gt;</c>, emitted before its parent.</summary>
    public T Phase<T>(string name, Func<ITelemetrySpan, T> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public void Phase(string name, Action<ITelemetrySpan> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public Task<T> PhaseAsync<T>(string name, Func<ITelemetrySpan, CancellationToken, Task<T>> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default);

    public Task PhaseAsync(string name, Func<ITelemetrySpan, CancellationToken, Task> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default);

    /// <summary>A point-in-time child event in this span's trace, without result or duration.</summary>
    public void Log(string name, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public void LogError(string name, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public void SetProperty(string key, string value);

    public void SetProperty(string key, bool value);

    public void SetProperty(string key, long value);

    public void SetProperty(string key, double value);

    public void SetMeasurement(string key, double value);

    /// <summary>On normal return the result becomes <c>aborted</c>, unless <see cref="MarkFailure()"/> was called.</summary>
    public void MarkAborted();

    /// <summary>On normal return the result becomes <c>error</c>, without an error block (P948 name of <c>markError</c>).</summary>
    public void MarkFailure();

    /// <summary>A failure that was not thrown but has a cause: the span's error block describes <paramref name="error"/> (redacted).</summary>
    public void MarkFailure(object? error);
}
