using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;

namespace Outpost.Agent.ControlPlane;

/// <summary>How one control-plane connection ended, as the agent saw it, with its seed-001 attribution.</summary>
internal sealed record ControlPlaneExit
{
    public required DisconnectReason Reason { get; init; }

    public required DisconnectInitiator Initiator { get; init; }

    /// <summary>A human sentence for the log line.</summary>
    public required string Message { get; init; }

    /// <summary>Free-form supplement (close status, exception text); empty when nothing adds to the reason.</summary>
    public string Detail { get; init; } = string.Empty;

    public TimeSpan Duration { get; init; }

    /// <summary>
    /// The exit rule of the connection loop: <see cref="DisconnectClassifier.ClassifyControlPlaneExit"/>
    /// (local shutdown wins; a clean end by the server is graceful; a broken stream is a network error),
    /// refined by what the server said when it closed: a server that goes away gracefully closes with
    /// 1001 <c>server_shutdown</c>, which is recorded as server_shutdown by the server; a stopped
    /// workspace closes with <c>workspace_stopped</c>. A frame that is not a control message is a
    /// protocol error, and the agent is the side that ends the connection for it.
    /// </summary>
    public static ControlPlaneExit Classify(bool localShutdown, ControlPlaneFrame? closing, Exception? error)
    {
        if (localShutdown)
        {
            var (reason, initiator) = DisconnectClassifier.ClassifyControlPlaneExit(localShutdown: true, error);
            return new ControlPlaneExit
            {
                Reason = reason,
                Initiator = initiator,
                Message = "the agent is shutting down and closed the control plane",
                Detail = error is null ? string.Empty : $"close did not complete cleanly: {Describe(error)}",
            };
        }

        if (closing?.ProtocolError is { } protocolError)
        {
            return new ControlPlaneExit
            {
                Reason = DisconnectReason.ProtocolError,
                Initiator = DisconnectInitiator.Agent,
                Message = "the server sent something that is not a control message, so the agent closed the connection",
                Detail = protocolError,
            };
        }

        if (error is null && closing?.CloseStatus is { } status)
        {
            var detail = $"close status {status}" + (string.IsNullOrEmpty(closing.CloseDescription) ? string.Empty : $" ({closing.CloseDescription})");
            if (closing.CloseDescription == AgentApi.ServerShutdownCloseReason)
            {
                return new ControlPlaneExit
                {
                    Reason = DisconnectReason.ServerShutdown,
                    Initiator = DisconnectInitiator.Server,
                    Message = "the server is shutting down and closed the control plane; the agent will reconnect",
                    Detail = detail,
                };
            }

            if (closing.CloseDescription == AgentApi.WorkspaceStoppedCloseReason)
            {
                return new ControlPlaneExit
                {
                    Reason = DisconnectReason.WorkspaceStopped,
                    Initiator = DisconnectInitiator.Server,
                    Message = "the server closed the control plane because the workspace was stopped",
                    Detail = detail,
                };
            }

            var (graceful, server) = DisconnectClassifier.ClassifyControlPlaneExit(localShutdown: false, error: null);
            return new ControlPlaneExit
            {
                Reason = graceful,
                Initiator = server,
                Message = "the server closed the control plane",
                Detail = detail,
            };
        }

        var (networkError, network) = DisconnectClassifier.ClassifyControlPlaneExit(localShutdown: false, error ?? new IOException("the stream ended without a close frame"));
        return new ControlPlaneExit
        {
            Reason = networkError,
            Initiator = network,
            Message = "the control-plane connection broke",
            Detail = error is null ? "the stream ended without a close frame" : Describe(error),
        };
    }

    private static string Describe(Exception error) =>
        error.InnerException is { Message.Length: > 0 } inner && inner.Message != error.Message
            ? $"{error.GetType().Name}: {error.Message} ({inner.Message})"
            : $"{error.GetType().Name}: {error.Message}";
}
