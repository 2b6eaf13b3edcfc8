using Outpost.Agent.ControlPlane;

namespace Outpost.Agent;

/// <summary>How one agent runs; <c>outpost agent</c> fills it from the environment, tests shorten the timings.</summary>
internal sealed record AgentOptions
{
    public required Uri ServerUrl { get; init; }

    /// <summary>The name the provisioner gave the agent (<c>OUTPOST_AGENT_NAME</c>), for logs until the manifest says.</summary>
    public string AgentName { get; init; } = "agent";

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ControlPlaneOptions ControlPlane { get; init; } = new();

    /// <summary>Data-plane limits and timings.</summary>
    public Sessions.AgentSessionOptions Sessions { get; init; } = new();

    /// <summary>The bound socket for direct connections; null when the agent accepts none.</summary>
    public Sessions.DirectListener? Direct { get; init; }

    /// <summary>Retries of the first manifest fetch (a wrong token retries here, never at full speed).</summary>
    public Backoff ManifestBackoff { get; init; } = Backoff.Default();

    /// <summary>At exit, how long the agent may wait for its last lifecycle changes and log lines to reach the server.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Set in scripts' environments on top of the manifest's (null removes an inherited variable).</summary>
    public IReadOnlyDictionary<string, string?> ExtraScriptEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The task API of a task workspace's coding loop, by task id; null when the agent has none (the loop does not start).</summary>
    public Func<Guid, Tasks.ITaskChannel>? TaskChannel { get; init; }

    /// <summary>The trace the agent's start continues (the build's apply span, from <c>TRACEPARENT</c>); default starts a new one.</summary>
    public System.Diagnostics.ActivityContext TraceParent { get; init; }

    /// <summary>The coding loop's bounds and timings.</summary>
    public Tasks.TaskLimits TaskLimits { get; init; } = new();

    /// <summary>The process's local telemetry stream (a task run's <c>task.run.completed</c>); null for none.</summary>
    public Telemetry.ITelemetryReporter? Telemetry { get; init; }
}
