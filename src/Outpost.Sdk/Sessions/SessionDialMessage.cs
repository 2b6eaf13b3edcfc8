using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Sessions;

/// <summary>
/// Server → agent on the control plane: a client waits at <see cref="RelayUrl"/>; dial back to
/// <see cref="SessionApi.AgentDialPath"/> there with <see cref="Ticket"/> (single use, expires in seconds).
/// The same JSON travels on the pubsub to the replica that holds the agent's control connection.
/// </summary>
public sealed record SessionDialMessage : AgentControlMessage
{
    /// <summary>The agent that should dial.</summary>
    public required Guid AgentId { get; init; }

    /// <summary>The one-time ticket.</summary>
    public required string Ticket { get; init; }

    /// <summary>The base URL of the replica the client is connected to.</summary>
    public required Uri RelayUrl { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the client's request that opened the session, when known: the agent's session continues it.</summary>
    public string? TraceParent { get; init; }
}
