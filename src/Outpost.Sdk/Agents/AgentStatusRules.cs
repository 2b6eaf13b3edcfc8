using Outpost.Sdk.Workspaces;

namespace Outpost.Sdk.Agents;

/// <summary>An agent's connection status, derived exactly as coder-spec §6 (<c>WorkspaceAgent.Status</c>).</summary>
public static class AgentStatusRules
{
    /// <summary>The agent as reads return it: with its status, and the disconnect time rule 3 implies.</summary>
    /// <param name="agent">The agent as stored.</param>
    /// <param name="now">The server's clock.</param>
    /// <param name="inactiveTimeout">How long an agent may stay silent before it counts as disconnected.</param>
    /// <returns>The agent with <see cref="WorkspaceAgent.Status"/> and <see cref="WorkspaceAgent.DisconnectedAt"/> set.</returns>
    public static WorkspaceAgent WithStatus(WorkspaceAgent agent, DateTimeOffset now, TimeSpan inactiveTimeout)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var (status, disconnectedAt) = Derive(agent.CreatedAt, agent.ConnectionTimeoutSeconds, agent.FirstConnectedAt, agent.LastConnectedAt, agent.DisconnectedAt, now, inactiveTimeout);
        return agent with { Status = status, DisconnectedAt = disconnectedAt };
    }

    /// <summary>
    /// The agent's status as the server sent it, or (from a server that does not send it) derived from
    /// its connection times without the inactivity rule, which needs the server's clock.
    /// </summary>
    /// <param name="agent">The agent as read from the API.</param>
    /// <param name="now">The reader's clock.</param>
    /// <returns>The connection status.</returns>
    public static AgentConnectionStatus StatusOf(WorkspaceAgent agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.Status
            ?? Derive(agent.CreatedAt, agent.ConnectionTimeoutSeconds, agent.FirstConnectedAt, agent.LastConnectedAt, agent.DisconnectedAt, now, inactiveTimeout: null).Status;
    }

    /// <summary>The status and effective disconnect time from an agent's connection times (coder-spec §6, rules in order).</summary>
    /// <param name="createdAt">When the agent was created.</param>
    /// <param name="connectionTimeoutSeconds">How long it may take to connect first; 0 for no limit.</param>
    /// <param name="firstConnectedAt">Its first connection, if any.</param>
    /// <param name="lastConnectedAt">Its last sign of life, if any.</param>
    /// <param name="disconnectedAt">Its last recorded disconnect, if any.</param>
    /// <param name="now">The clock.</param>
    /// <param name="inactiveTimeout">The inactivity timeout; null skips the inactivity rule (a client without the server's clock).</param>
    /// <returns>The status and the disconnect time it implies.</returns>
    public static (AgentConnectionStatus Status, DateTimeOffset? DisconnectedAt) Derive(
        DateTimeOffset createdAt,
        int connectionTimeoutSeconds,
        DateTimeOffset? firstConnectedAt,
        DateTimeOffset? lastConnectedAt,
        DateTimeOffset? disconnectedAt,
        DateTimeOffset now,
        TimeSpan? inactiveTimeout)
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

        if (inactiveTimeout is not { } inactive)
        {
            return (AgentConnectionStatus.Connected, disconnectedAt);
        }

        if (lastConnectedAt is { } last)
        {
            // 3. Silent for longer than the inactivity timeout: disconnected since its last sign of life.
            return now - last > inactive
                ? (AgentConnectionStatus.Disconnected, last)
                : (AgentConnectionStatus.Connected, disconnectedAt);
        }

        return (AgentConnectionStatus.Disconnected, disconnectedAt);
    }
}
