using System.Net.WebSockets;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>How one session (or one client's attachment to a terminal) ended, with the seed-001 fields.</summary>
internal sealed record SessionEnd(DisconnectReason Reason, DisconnectInitiator Initiator, string Detail)
{
    public SessionClose ToClose() => SessionClose.Of(Reason, Initiator, Detail);

    public static SessionEnd Exited(SessionExit exit) => new(DisconnectReason.Graceful, DisconnectInitiator.Agent, exit.Describe());

    /// <summary>The client ended the session: with a close frame (its reason is kept), or by closing the WebSocket.</summary>
    public static SessionEnd FromClient(SessionClose? close) => close is null
        ? new(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "the client closed the WebSocket")
        : new(close.DisconnectReason.Value.Length == 0 ? DisconnectReason.ClientClosed : close.DisconnectReason,
            close.DisconnectInitiator.Value.Length == 0 ? DisconnectInitiator.Client : close.DisconnectInitiator, close.Detail);

    /// <summary>The receive failed: garbage is a protocol error, anything else a broken transport.</summary>
    public static SessionEnd FromFailure(Exception error) => error is SessionProtocolException
        ? new(DisconnectReason.ProtocolError, DisconnectInitiator.Client, error.Message)
        : new(DisconnectReason.NetworkError, DisconnectInitiator.Network, $"{error.GetType().Name}: {error.Message}");

    public static bool IsTransportFailure(Exception error) =>
        error is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or SessionProtocolException;
}
