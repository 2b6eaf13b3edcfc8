namespace Outpost.Sdk.Workspaces;

/// <summary>
/// What the watch-all stream sends (SSE event <c>agent</c>) when an agent of a workspace connects,
/// disconnects or reports a lifecycle change; a workspace's own watch sends the workspace again,
/// with its <see cref="Workspace.Resources"/> and their agents.
/// </summary>
public sealed record WorkspaceAgentUpdate
{
    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The workspace's owner (watch-all shows only what the caller may see).</summary>
    public required Guid OwnerId { get; init; }

    /// <summary>The agent.</summary>
    public required Guid AgentId { get; init; }

    /// <summary>The agent's name.</summary>
    public required string AgentName { get; init; }

    /// <summary>What happened.</summary>
    public required WorkspaceAgentChange Change { get; init; }

    /// <summary>The lifecycle state the agent reported, for <see cref="WorkspaceAgentChange.Lifecycle"/>.</summary>
    public Agents.AgentLifecycleState? LifecycleState { get; init; }
}

/// <summary>The kinds of agent change the watch streams announce.</summary>
public enum WorkspaceAgentChange
{
    /// <summary>The agent's control-plane connection opened.</summary>
    Connected,

    /// <summary>The agent's control-plane connection ended.</summary>
    Disconnected,

    /// <summary>The agent reported a lifecycle change.</summary>
    Lifecycle,
}

/// <summary>A resource of a workspace's latest build, with the agents that run in it.</summary>
public sealed record WorkspaceResource
{
    /// <summary>The resource's name within the template.</summary>
    public required string Name { get; init; }

    /// <summary>The agents that run in it, each with its status, lifecycle state and connection times.</summary>
    public IReadOnlyList<WorkspaceAgent> Agents { get; init; } = [];

    /// <summary>Groups agents by their resource, in the order the agents come.</summary>
    /// <param name="agents">The agents of one build.</param>
    /// <returns>One resource per resource name.</returns>
    public static IReadOnlyList<WorkspaceResource> FromAgents(IEnumerable<WorkspaceAgent> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        return [.. agents.GroupBy(agent => agent.ResourceName, StringComparer.Ordinal)
            .Select(group => new WorkspaceResource { Name = group.Key, Agents = [.. group] })];
    }
}
