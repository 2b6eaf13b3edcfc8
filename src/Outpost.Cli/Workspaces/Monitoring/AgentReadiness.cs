using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces.Monitoring;

/// <summary>When an agent counts as ready, or as never going to be, for the commands that wait for it.</summary>
internal static class AgentReadiness
{
    /// <summary>The agent's connection status: the server's, or derived as the server does (see <see cref="AgentStatusRules.StatusOf"/>).</summary>
    public static AgentConnectionStatus StatusOf(WorkspaceAgent agent, DateTimeOffset now) => AgentStatusRules.StatusOf(agent, now);

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
