using System.Net.Http.Json;
using Outpost.Sdk.Connections;
using Outpost.Sdk.Sessions;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    /// <summary>
    /// A page of the connection log, newest first. <paramref name="query"/> carries the filters: <c>workspace</c>
    /// (id), <c>user</c> (id, username or <c>me</c>), <c>type</c>, <c>since</c>, <c>until</c>, <c>open</c>, <c>limit</c>, <c>after</c>.
    /// </summary>
    public Task<ConnectionLogPage> ListConnectionsAsync(string? query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, string.IsNullOrEmpty(query) ? "api/v2/connections" : $"api/v2/connections?{query}", null, OutpostJsonContext.Default.ConnectionLogPage, cancellationToken);

    /// <summary>A single-use ticket for one direct session of <paramref name="kind"/> with the agent, and where the agent listens (409 when it accepts no direct connections).</summary>
    public Task<DirectTicketGrant> CreateDirectTicketAsync(Guid agentId, SessionKind kind, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, SessionApi.DirectTicketPathFor(agentId).TrimStart('/'), JsonContent.Create(new DirectTicketRequest { Kind = kind }, SessionJsonContext.Default.DirectTicketRequest),
            SessionJsonContext.Default.DirectTicketGrant, cancellationToken);
}
