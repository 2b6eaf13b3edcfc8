using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Connections;

/// <summary>One row of the connection log: a data-plane session or an agent's control-plane connection.</summary>
public sealed record ConnectionLogEntry
{
    /// <summary>The row's id (a relayed session's relay id, a control-plane connection's id).</summary>
    public required Guid Id { get; init; }

    /// <summary><c>ssh</c>, <c>pty</c>, <c>exec</c>, <c>port_forward</c> or <c>control_plane</c>.</summary>
    public required ConnectionType Type { get; init; }

    /// <summary>The agent's workspace.</summary>
    public Guid? WorkspaceId { get; init; }

    /// <summary>The workspace's name (also for a deleted one).</summary>
    public string? WorkspaceName { get; init; }

    /// <summary>The agent.</summary>
    public required Guid AgentId { get; init; }

    /// <summary>The agent's name.</summary>
    public string? AgentName { get; init; }

    /// <summary>Who opened a session; null for a control-plane connection.</summary>
    public Guid? UserId { get; init; }

    /// <summary>Their username.</summary>
    public string? Username { get; init; }

    /// <summary>The client's address as the server saw it.</summary>
    public string? ClientAddress { get; init; }

    /// <summary><c>relay</c> for a session carried by the server; null for a control-plane connection.</summary>
    public string? Path { get; init; }

    /// <summary>When the connection opened.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When it ended; null while it is open.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Payload bytes the relay passed from the client to the agent.</summary>
    public long? BytesToAgent { get; init; }

    /// <summary>Payload bytes the relay passed from the agent to the client.</summary>
    public long? BytesToClient { get; init; }

    /// <summary>exec and pty: the exit status (128 + N for signal N); null when the process did not end.</summary>
    public int? ExitCode { get; init; }

    /// <summary><c>disconnect_reason</c> (seed 001); null while open.</summary>
    public string? DisconnectReason { get; init; }

    /// <summary><c>disconnect_expected</c>.</summary>
    public bool? DisconnectExpected { get; init; }

    /// <summary><c>disconnect_initiator</c>.</summary>
    public string? DisconnectInitiator { get; init; }

    /// <summary><c>disconnect_detail</c>.</summary>
    public string? DisconnectDetail { get; init; }
}

/// <summary>A page of the connection log, newest first; pass <see cref="NextAfter"/> as <c>after</c> for the next.</summary>
public sealed record ConnectionLogPage
{
    /// <summary>The rows.</summary>
    public required IReadOnlyList<ConnectionLogEntry> Connections { get; init; }

    /// <summary>The id to continue after; null on the last page.</summary>
    public Guid? NextAfter { get; init; }
}
