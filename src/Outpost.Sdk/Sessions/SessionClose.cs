using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Sessions;

/// <summary>Why a session ends, with the seed-001 disconnect fields; the last frame either end sends.</summary>
public sealed record SessionClose
{
    /// <summary><c>disconnect_reason</c> (see <see cref="DisconnectReason"/>).</summary>
    public required string Reason { get; init; }

    /// <summary><c>disconnect_initiator</c> (see <see cref="DisconnectInitiator"/>).</summary>
    public required string Initiator { get; init; }

    /// <summary><c>disconnect_detail</c>: free-form, e.g. <c>exit 3</c>.</summary>
    public string Detail { get; init; } = string.Empty;

    /// <summary>The reason as a value.</summary>
    public DisconnectReason DisconnectReason => new(Reason);

    /// <summary>The initiator as a value.</summary>
    public DisconnectInitiator DisconnectInitiator => new(Initiator);

    /// <summary>Builds a close from the taxonomy values.</summary>
    public static SessionClose Of(DisconnectReason reason, DisconnectInitiator initiator, string detail) =>
        new() { Reason = reason.Value, Initiator = initiator.Value, Detail = detail };
}
