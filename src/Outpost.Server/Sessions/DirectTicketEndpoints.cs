using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Sessions;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Sessions;

/// <summary>
/// <c>POST /api/v2/workspaceagents/{id}/direct-ticket</c>: where the agent accepts direct connections and a signed,
/// single-use ticket for one session of the asked kind, valid <see cref="DirectTicket.Lifetime"/>. Who may ask is who may
/// open a relayed session (<see cref="SessionAccess"/>): 404 for anyone else, 409 for a stopped workspace or an agent
/// that accepts no direct connections.
/// </summary>
internal static class DirectTicketEndpoints
{
    public static IEndpointRouteBuilder MapDirectTickets(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(SessionApi.DirectTicketPath, static async (
            Guid id, DirectTicketRequest request, HttpContext http, SessionAccess access, DirectTicketKeys keys, Agents.AgentStore agents, TimeProvider time) =>
        {
            var (target, problem) = await access.AuthorizeClientAsync(id, http, http.RequestAborted).ConfigureAwait(false);
            if (target is null)
            {
                return problem!;
            }

            if (!Enum.IsDefined(request.Kind))
            {
                return Problems.BadRequest($"kind: {(int)request.Kind} is not a session kind", ProblemCodes.InvalidRequest);
            }

            var address = await agents.DirectAddressAsync(id, http.RequestAborted).ConfigureAwait(false);
            if (address.Length == 0)
            {
                return Problems.Conflict("the agent accepts no direct connections (it is configured without a direct address)");
            }

            var expires = time.GetUtcNow() + DirectTicket.Lifetime;
            var ticket = new DirectTicket
            {
                Id = Guid.NewGuid(),
                UserId = http.User.GetUserId(),
                AgentId = id,
                Kind = request.Kind,
                ExpiresAt = expires.ToUnixTimeSeconds(),
            };
            return Results.Json(new DirectTicketGrant { Address = address, Ticket = keys.Sign(ticket), ExpiresAt = expires }, SessionJsonContext.Default.DirectTicketGrant);
        }).RequireAuthorization(CallerPolicies.User).WithName("CreateDirectTicket")
            .WithSummary("A signed single-use ticket for one direct session with the agent, and the agent's direct address.");
        return routes;
    }
}
