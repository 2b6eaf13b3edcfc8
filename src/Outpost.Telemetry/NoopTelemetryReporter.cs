namespace Outpost.Telemetry;

/// <summary>A reporter that records nothing; <c>Trace</c> runs the body with the no-op span.</summary>
internal sealed class NoopTelemetryReporter : ITelemetryReporter
{
    public static readonly NoopTelemetryReporter Instance = new();

    private NoopTelemetryReporter()
    {
    }

    public void Log(string eventName, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
    }

    public void LogError(string eventName, object? error, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
    }

    public T Trace<T>(string eventName, Func<ITelemetrySpan, T> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(NoopTelemetrySpan.Instance);
    }

    public void Trace(string eventName, Action<ITelemetrySpan> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        body(NoopTelemetrySpan.Instance);
    }

    public Task<T> TraceAsync<T>(string eventName, Func<ITelemetrySpan, CancellationToken, Task<T>> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(NoopTelemetrySpan.Instance, cancellationToken);
    }

    public Task TraceAsync(string eventName, Func<ITelemetrySpan, CancellationToken, Task> body, TelemetryProperties? properties = null, TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(NoopTelemetrySpan.Instance, cancellationToken);
    }

    public void SetDeploymentUrl(string? deploymentUrl)
    {
    }
}
