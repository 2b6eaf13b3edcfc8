namespace Outpost.Telemetry.Workspaces;

/// <summary>Workspace lifecycle event and property names, exactly as seed 000 (P948) names them.</summary>
public static class WorkspaceTelemetryNames
{
    public const string StateTransitioned = "workspace.state_transitioned";
    public const string AgentStateTransitioned = "workspace.agent.state_transitioned";
    public const string StartTriggered = "workspace.start.triggered";
    public const string UpdateTriggered = "workspace.update.triggered";

    public const string WorkspaceName = "workspaceName";
    public const string AgentName = "agentName";
    public const string From = "from";
    public const string To = "to";
    public const string Transition = "transition";
    public const string Reason = "reason";
    public const string FromStatus = "fromStatus";
    public const string ToStatus = "toStatus";
    public const string FromLifecycleState = "fromLifecycleState";
    public const string ToLifecycleState = "toLifecycleState";
    public const string ObservedDurationMs = "observedDurationMs";
    public const string ObservedBuildDurationMs = "observedBuildDurationMs";

    /// <summary>"No previous observation"; <c>unknown</c> is a real server value, so it cannot be used.</summary>
    public const string None = "none";
}
