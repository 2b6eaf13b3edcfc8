
namespace Outpost.Telemetry.Workspaces;

/// <summary>
/// <c>workspace.state_transitioned</c> for one monitored workspace (telemetry spec §6.2): deduplicated
/// on (status, transition, reason); <c>observedDurationMs</c> is the time in the previous state as this
/// client saw it; <c>observedBuildDurationMs</c> spans the whole provisioning run, from its first
/// provisioning observation (pending → starting does not move it) to the first settled status.
/// </summary>
public sealed class WorkspaceStateTelemetry(ITelemetryReporter telemetry, TimeProvider time, string workspaceName)
{
    private static readonly HashSet<string> Provisioning = new(StringComparer.Ordinal) { "pending", "starting", "stopping", "canceling", "deleting" };

    private (string Status, string Transition, string Reason)? _last;
    private long _lastObservedAt;
    private long? _buildStartedAt;

    /// <summary>Records an observation; returns true when it was a change (and an event was emitted).</summary>
    public bool Observe(string status, string transition, string reason)
    {
        var key = (status, transition, reason);
        if (_last == key)
        {
            // A duplicate neither emits nor moves the observed time.
            return false;
        }

        var now = time.GetTimestamp();
        var measurements = new TelemetryMeasurements();
        if (_last is not null)
        {
            measurements.Add(WorkspaceTelemetryNames.ObservedDurationMs, time.GetElapsedTime(_lastObservedAt, now).TotalMilliseconds);
        }

        if (Provisioning.Contains(status))
        {
            _buildStartedAt ??= now;
        }
        else
        {
            if (_last is { } previous && Provisioning.Contains(previous.Status) && _buildStartedAt is { } started)
            {
                measurements.Add(WorkspaceTelemetryNames.ObservedBuildDurationMs, time.GetElapsedTime(started, now).TotalMilliseconds);
            }

            _buildStartedAt = null;
        }

        telemetry.Log(WorkspaceTelemetryNames.StateTransitioned, new TelemetryProperties
        {
            { WorkspaceTelemetryNames.WorkspaceName, workspaceName },
            { WorkspaceTelemetryNames.From, _last?.Status ?? WorkspaceTelemetryNames.None },
            { WorkspaceTelemetryNames.To, status },
            { WorkspaceTelemetryNames.Transition, transition },
            { WorkspaceTelemetryNames.Reason, reason },
        }, measurements);
        _last = key;
        _lastObservedAt = now;
        return true;
    }
}

/// <summary>
/// <c>workspace.agent.state_transitioned</c> for one agent (telemetry spec §6.3): deduplicated on
/// (status, lifecycle state); <see cref="Reset"/> forgets the previous observation when the agent
/// may have been replaced (a new build).
/// </summary>
public sealed class AgentStateTelemetry(ITelemetryReporter telemetry, TimeProvider time, string workspaceName)
{
    private (string Agent, string Status, string Lifecycle)? _last;
    private long _lastObservedAt;

    public bool Observe(string agentName, string status, string lifecycleState)
    {
        if (_last is { } last && last.Status == status && last.Lifecycle == lifecycleState)
        {
            return false;
        }

        var now = time.GetTimestamp();
        var measurements = new TelemetryMeasurements();
        if (_last is not null)
        {
            measurements.Add(WorkspaceTelemetryNames.ObservedDurationMs, time.GetElapsedTime(_lastObservedAt, now).TotalMilliseconds);
        }

        telemetry.Log(WorkspaceTelemetryNames.AgentStateTransitioned, new TelemetryProperties
        {
            { WorkspaceTelemetryNames.WorkspaceName, workspaceName },
            { WorkspaceTelemetryNames.AgentName, agentName },
            { WorkspaceTelemetryNames.FromStatus, _last?.Status ?? WorkspaceTelemetryNames.None },
            { WorkspaceTelemetryNames.ToStatus, status },
            { WorkspaceTelemetryNames.FromLifecycleState, _last?.Lifecycle ?? WorkspaceTelemetryNames.None },
            { WorkspaceTelemetryNames.ToLifecycleState, lifecycleState },
        }, measurements);
        _last = (agentName, status, lifecycleState);
        _lastObservedAt = now;
        return true;
    }

    public void Reset() => _last = null;
}

/// <summary>Spans around the user's start and update operations (telemetry spec §6.4).</summary>
public static class WorkspaceOperationTelemetry
{
    public static Task<T> TraceStartAsync<T>(ITelemetryReporter telemetry, string workspaceName, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        telemetry.TraceAsync(WorkspaceTelemetryNames.StartTriggered, (_, token) => operation(token),
            new TelemetryProperties { { WorkspaceTelemetryNames.WorkspaceName, workspaceName } }, cancellationToken: cancellationToken);

    public static Task<T> TraceUpdateAsync<T>(ITelemetryReporter telemetry, string workspaceName, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        telemetry.TraceAsync(WorkspaceTelemetryNames.UpdateTriggered, (_, token) => operation(token),
            new TelemetryProperties { { WorkspaceTelemetryNames.WorkspaceName, workspaceName } }, cancellationToken: cancellationToken);
}
