using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;

namespace Outpost.Server.Agents;

/// <summary>An agent's connection status, derived exactly as coder-spec §6 (<c>WorkspaceAgent.Status</c>).</summary>
internal static class AgentStatusRules
{
    /// <summary>The agent as reads return it: with its status, and the disconnect time rule 3 implies.</summary>
    public static WorkspaceAgent WithStatus(WorkspaceAgent agent, DateTimeOffset now, TimeSpan inactiveTimeout)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var (status, disconnectedAt) = Derive(agent.CreatedAt, agent.ConnectionTimeoutSeconds, agent.FirstConnectedAt, agent.LastConnectedAt, agent.DisconnectedAt, now, inactiveTimeout);
        return agent with { Status = status, DisconnectedAt = disconnectedAt };
    }

    public static (AgentConnectionStatus Status, DateTimeOffset? DisconnectedAt) Derive(
        DateTimeOffset createdAt,
        int connectionTimeoutSeconds,
        DateTimeOffset? firstConnectedAt,
        DateTimeOffset? lastConnectedAt,
        DateTimeOffset? disconnectedAt,
        DateTimeOffset now,
        TimeSpan inactiveTimeout)
    {
        // 1. Never connected: timeout once the connection timeout has passed, connecting until then.
        if (firstConnectedAt is null)
        {
            return connectionTimeoutSeconds > 0 && now - createdAt > TimeSpan.FromSeconds(connectionTimeoutSeconds)
                ? (AgentConnectionStatus.Timeout, disconnectedAt)
                : (AgentConnectionStatus.Connecting, disconnectedAt);
        }

        // 2. A disconnect not before the last connection (equal counts as disconnected).
        if (disconnectedAt is { } disconnected && (lastConnectedAt is null || disconnected >= lastConnectedAt))
        {
            return (AgentConnectionStatus.Disconnected, disconnected);
        }

        if (lastConnectedAt is { } last)
        {
            // 3. Silent for longer than the inactivity timeout: disconnected since its last sign of life.
            return now - last > inactiveTimeout
                ? (AgentConnectionStatus.Disconnected, last)
                : (AgentConnectionStatus.Connected, disconnectedAt);
        }

        return (AgentConnectionStatus.Disconnected, disconnectedAt);
    }
}
