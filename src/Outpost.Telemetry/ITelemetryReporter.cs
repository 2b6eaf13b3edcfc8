namespace Outpost.Telemetry;

/// <summary>
/// What instrumentation depends on (spec §2.3). Implementations never let a telemetry failure
/// reach the caller: <c>Log</c> never throws and <c>Trace</c> returns the body's value or rethrows
/// the body's own exception.
/// </summary>
public interface ITelemetryReporter
{
    public void Log(string eventName, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    /// <summary><paramref name="error"/> is usually an exception; any value is accepted (spec §2.6).</summary>
    public void LogError(string eventName, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public T Trace<T>(string eventName, Func<ITelemetrySpan, T> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public void Trace(string eventName, Action<ITelemetrySpan> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null);

    public Task<T> TraceAsync<T>(string eventName, Func<ITelemetrySpan, CancellationToken, Task<T>> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default);

    public Task TraceAsync(string eventName, Func<ITelemetrySpan, CancellationToken, Task> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The deployment the host talks to; every event emitted afterwards carries it, reduced to
    /// <c>scheme://host[:port]</c> (<see cref="DeploymentUrl.Normalize"/>).
    /// </summary>
    public void SetDeploymentUrl(string? deploymentUrl);
}
