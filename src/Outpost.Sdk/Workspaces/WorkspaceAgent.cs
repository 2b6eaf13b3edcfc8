using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Workspaces;

/// <summary>An agent a build created, as its workspace's owner sees it (never its token).</summary>
public sealed record WorkspaceAgent
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The build that created it.</summary>
    public required Guid BuildId { get; init; }

    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The resource it runs in.</summary>
    public required string ResourceName { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>Its working directory.</summary>
    public string Directory { get; init; } = string.Empty;

    /// <summary><c>linux</c> or <c>darwin</c>.</summary>
    public required string OperatingSystem { get; init; }

    /// <summary><c>amd64</c> or <c>arm64</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>Its scripts.</summary>
    public IReadOnlyList<AgentScript> Scripts { get; init; } = [];

    /// <summary>Its apps.</summary>
    public IReadOnlyList<AgentApp> Apps { get; init; } = [];

    /// <summary>Seconds before a never-connected agent is reported <c>timeout</c> (0 = never).</summary>
    public required int ConnectionTimeoutSeconds { get; init; }

    /// <summary>The last lifecycle state the agent reported (<c>created</c> until it reports one).</summary>
    public required AgentLifecycleState LifecycleState { get; init; }

    /// <summary>When it first connected.</summary>
    public DateTimeOffset? FirstConnectedAt { get; init; }

    /// <summary>When it was last seen connected.</summary>
    public DateTimeOffset? LastConnectedAt { get; init; }

    /// <summary>When it last disconnected.</summary>
    public DateTimeOffset? DisconnectedAt { get; init; }

    /// <summary>The version the agent reported when it last fetched its manifest; empty until it has.</summary>
    public string Version { get; init; } = string.Empty;

    /// <summary>When the build recorded it.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The control-plane status derived from the times above (coder-spec §6); null from servers that do not derive it.</summary>
    public Outpost.Sdk.Agents.AgentConnectionStatus? Status { get; init; }

    /// <summary>The agent that registered this one (a sub-agent, e.g. for a dev container); null for the build's own agents.</summary>
    public Guid? ParentId { get; init; }
}
