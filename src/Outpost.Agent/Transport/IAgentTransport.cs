using Outpost.Sdk.Agents;

namespace Outpost.Agent.Transport;

/// <summary>
/// The agent's side of the agent API (<see cref="AgentApi"/>). The HTTP implementation talks to a
/// real server; tests use an in-memory one. Failures the agent expects (401, refused, reset) are
/// values; cancellation throws <see cref="OperationCanceledException"/>.
/// </summary>
internal interface IAgentTransport
{
    public Task<AgentApiResult<AgentManifest>> GetManifestAsync(CancellationToken cancellationToken);

    /// <summary>Posts up to 1,000 lines, oldest first; null on success.</summary>
    public Task<AgentApiFailure?> SendLogsAsync(IReadOnlyList<AgentLogLine> lines, CancellationToken cancellationToken);

    /// <summary>Opens the control-plane WebSocket.</summary>
    public Task<AgentApiResult<IControlPlaneConnection>> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Dials a relay back for one data-plane session (see <see cref="Sdk.Sessions.SessionApi"/>).</summary>
    public Task<AgentApiResult<System.Net.WebSockets.WebSocket>> DialSessionAsync(Uri relayUrl, string ticket, CancellationToken cancellationToken) =>
        Task.FromResult(AgentApiResult<System.Net.WebSockets.WebSocket>.Fail(new AgentApiFailure(AgentApiFailureKind.Unreachable, "this transport has no data plane")));

    /// <summary>Reports a direct session that ended, for the connection log; null on success.</summary>
    public Task<AgentApiFailure?> ReportDirectSessionAsync(Sdk.Sessions.DirectSessionReport report, CancellationToken cancellationToken) =>
        Task.FromResult<AgentApiFailure?>(new AgentApiFailure(AgentApiFailureKind.Unreachable, "this transport has no data plane"));

    /// <summary>
    /// Waits on <c>GET reinit</c> (SSE) for the event that the agent's prebuilt workspace was claimed; a
    /// 409 failure means the workspace is not a prebuild (stop asking). Transports without it answer 409.
    /// </summary>
    public Task<AgentApiResult<Sdk.Templates.ReinitializationEvent>> WaitForReinitAsync(CancellationToken cancellationToken) =>
        Task.FromResult(AgentApiResult<Sdk.Templates.ReinitializationEvent>.Fail(new AgentApiFailure(AgentApiFailureKind.Rejected, "this transport has no reinit stream", 409)));
}

/// <summary>
/// One open control-plane connection. <see cref="ReceiveAsync"/> and <see cref="SendAsync"/> throw
/// (an <see cref="IOException"/> or a <see cref="System.Net.WebSockets.WebSocketException"/>) when the
/// stream breaks; a close by the server is a value.
/// </summary>
internal interface IControlPlaneConnection : IAsyncDisposable
{
    public Task SendAsync(AgentControlMessage message, CancellationToken cancellationToken);

    public Task<ControlPlaneFrame> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Closes from the agent's side with a normal close (1000) and waits for the server's answer.</summary>
    public Task CloseAsync(string description, CancellationToken cancellationToken);
}

/// <summary>What arrived on the control plane: a message, a close by the server, or bytes that were not a message.</summary>
internal sealed record ControlPlaneFrame
{
    public AgentControlMessage? Message { get; init; }

    /// <summary>Set when the server closed the connection: the close status (1000, 1001, …).</summary>
    public int? CloseStatus { get; init; }

    public string? CloseDescription { get; init; }

    /// <summary>Set when the frame could not be read as a message.</summary>
    public string? ProtocolError { get; init; }

    public static ControlPlaneFrame Of(AgentControlMessage message) => new() { Message = message };

    public static ControlPlaneFrame Closed(int status, string? description) => new() { CloseStatus = status, CloseDescription = description };

    public static ControlPlaneFrame Invalid(string error) => new() { ProtocolError = error };
}
