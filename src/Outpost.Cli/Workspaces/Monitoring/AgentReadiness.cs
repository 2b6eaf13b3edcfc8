using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces.Monitoring;

/// <summary>When an agent counts as ready, or as never going to be, for the commands that wait for it.</summary>
internal static class AgentReadiness
{
    /// <summary>
    /// The agent's connection status: the server's, or (from a server that does not send it) derived
    /// from its connection times the way the server does (coder-spec §6), without the inactivity rule,
    /// which needs the server's clock.
    /// </summary>
    public static AgentConnectionStatus StatusOf(WorkspaceAgent agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (agent.Status is { } status)
        {
            return status;
        }

        if (agent.FirstConnectedAt is null)
        {
            return agent.ConnectionTimeoutSeconds > 0 && now - agent.CreatedAt > TimeSpan.FromSeconds(agent.ConnectionTimeoutSeconds)
                ? AgentConnectionStatus.Timeout
                : AgentConnectionStatus.Connecting;
        }

        return agent.DisconnectedAt is { } disconnected && (agent.LastConnectedAt is null || disconnected >= agent.LastConnectedAt)
            ? AgentConnectionStatus.Disconnected
            : AgentConnectionStatus.Connected;
    }

    /// <summary>
    /// Connected and done starting. A startup script that failed or timed out still leaves a usable
    /// agent (it is reported, not waited on forever).
    /// </summary>
    public static bool IsReady(WorkspaceAgent agent, DateTimeOffset now) =>
        StatusOf(agent, now) == AgentConnectionStatus.Connected
        && agent.LifecycleState is AgentLifecycleState.Ready or AgentLifecycleState.StartError or AgentLifecycleState.StartTimeout;

    /// <summary>Why waiting for this agent is pointless, or null while it may still become ready.</summary>
    public static string? WhyNotComing(WorkspaceAgent agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return StatusOf(agent, now) == AgentConnectionStatus.Timeout
            ? $"agent \"{agent.Name}\" did not connect within {agent.ConnectionTimeoutSeconds} s; its logs in the workspace say why"
            : null;
    }

    /// <summary>A warning worth showing once the agent is ready, or null.</summary>
    public static string? Warning(WorkspaceAgent agent) => agent?.LifecycleState switch
    {
        AgentLifecycleState.StartError => $"agent \"{agent.Name}\" is up, but a startup script failed",
        AgentLifecycleState.StartTimeout => $"agent \"{agent.Name}\" is up, but a startup script ran past its timeout",
        _ => null,
    };
}
