using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Agents;

/// <summary>One control-plane connection of an agent, as the server recorded it (for timelines).</summary>
public sealed record ControlPlaneConnection
{
    /// <summary>The connection's id (it appears in the server's connect and disconnect log lines).</summary>
    public required Guid Id { get; init; }

    /// <summary>When the agent connected.</summary>
    public required DateTimeOffset ConnectedAt { get; init; }

    /// <summary>When the connection ended; null while it is open (or if the replica holding it crashed).</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Why it ended (seed 001 <see cref="Agents.DisconnectReason"/> value, <c>unknown</c> for the empty one).</summary>
    public string? DisconnectReason { get; init; }

    /// <summary>Who ended it: <c>agent</c>, <c>server</c> or <c>network</c>.</summary>
    public string? DisconnectInitiator { get; init; }

    /// <summary>True when the reason is normal operation; false when it deserves a look; null while open.</summary>
    public bool? DisconnectExpected { get; init; }

    /// <summary>Free-form detail: the close status, the error.</summary>
    public string? DisconnectDetail { get; init; }
}

/// <summary>A lifecycle change the agent reported.</summary>
public sealed record AgentLifecycleEvent
{
    /// <summary>The state it entered.</summary>
    public required AgentLifecycleState State { get; init; }

    /// <summary>When it changed, by the agent's clock.</summary>
    public required DateTimeOffset ChangedAt { get; init; }

    /// <summary>When the server received it (later than <see cref="ChangedAt"/> when it was sent after a reconnect).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>A stored line of an agent's script output.</summary>
public sealed record AgentLogEntry
{
    /// <summary>Increasing id; pass the last one as <c>after</c> to read on.</summary>
    public required long Id { get; init; }

    /// <summary>When it was written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Severity.</summary>
    public required ProvisionerLogLevel Level { get; init; }

    /// <summary>The script's display name, <c>agent</c>, or <c>outpost</c> for the server's own notes.</summary>
    public required string Source { get; init; }

    /// <summary>The text.</summary>
    public required string Output { get; init; }
}
