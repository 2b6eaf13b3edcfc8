namespace Outpost.Sdk.Sessions;

/// <summary>
/// The data plane's routes. A client opens <see cref="ClientPath"/> (a WebSocket, signed in as a user
/// who may use the workspace) and sends a <see cref="SessionHeader"/> frame; the server asks the agent to
/// dial <see cref="AgentDialPath"/> with a ticket and splices the two sockets.
/// </summary>
public static class SessionApi
{
    /// <summary>The client's WebSocket for one session with an agent (<c>{0}</c> is the agent's id).</summary>
    public const string ClientPath = "/api/v2/workspaceagents/{0}/connect";

    /// <summary>The agent's dial-back WebSocket, authenticated with the agent token and <see cref="TicketHeader"/>.</summary>
    public const string AgentDialPath = "/api/v2/workspaceagents/me/dial";

    /// <summary>The header carrying the one-time ticket.</summary>
    public const string TicketHeader = "Outpost-Session-Ticket";

    /// <summary>The route of a request for a direct-connection ticket (<see cref="DirectTicketGrant"/>).</summary>
    public const string DirectTicketPath = "/api/v2/workspaceagents/{id:guid}/direct-ticket";

    /// <summary>Where a client asks for a direct-connection ticket for an agent.</summary>
    public static string DirectTicketPathFor(Guid agentId) => $"/api/v2/workspaceagents/{agentId}/direct-ticket";

    /// <summary>The client path for an agent.</summary>
    public static string ClientPathFor(Guid agentId) => string.Format(System.Globalization.CultureInfo.InvariantCulture, ClientPath, agentId);
}
