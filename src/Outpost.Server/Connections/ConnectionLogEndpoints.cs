using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Connections;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Users;

namespace Outpost.Server.Connections;

/// <summary>
/// <c>GET /api/v2/connections</c>: the connection log, newest first. Admins and owners (who may read every agent) see
/// every row; anyone else sees the sessions they opened and the control-plane connections of their own workspaces
/// — a filter on another user gives them an empty page, as the workspace listing does.
/// </summary>
internal static class ConnectionLogEndpoints
{
    internal static readonly PageLimit Paging = new(Default: 50, Max: 500);

    public static IEndpointRouteBuilder MapConnectionLog(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/connections", static async Task<Results<Ok<ConnectionLogPage>, ProblemHttpResult>> (
            Guid? workspace, string? user, string? type, DateTimeOffset? since, DateTimeOffset? until, bool? open, int? limit, Guid? after,
            HttpContext http, ConnectionLogStore store, UserStore users, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            if (Paging.Check(limit, out var pageSize) is { } badLimit)
            {
                return badLimit;
            }

            var filter = new ConnectionLogFilter { WorkspaceId = workspace, Since = since, Until = until, OpenOnly = open ?? false };
            if (type is not null)
            {
                if (!WireName<ConnectionType>.TryParse(type, out var parsed))
                {
                    return Problems.BadRequest($"type: unknown type \"{type}\"{NameSuggestions.DidYouMean(type, WireName<ConnectionType>.All)}; use one of {string.Join(", ", WireName<ConnectionType>.All)}",
                        ProblemCodes.InvalidRequest);
                }

                filter = filter with { Type = parsed };
            }

            if (user is not null)
            {
                if (await users.ResolveAsync(user, subject.UserId, cancellationToken).ConfigureAwait(false) is not { } userId)
                {
                    return Problems.BadRequest($"user: there is no user \"{user}\"", ProblemCodes.UserNotFound);
                }

                filter = filter with { UserId = userId };
            }

            if (!subject.Can(ResourceType.WorkspaceAgent, PermissionAction.Read))
            {
                if (filter.UserId is { } asked && asked != subject.UserId)
                {
                    return TypedResults.Ok(new ConnectionLogPage { Connections = [] });
                }

                filter = filter with { VisibleTo = subject.UserId ?? Guid.Empty };
            }

            var rows = await store.ListAsync(filter, after, pageSize, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new ConnectionLogPage { Connections = rows, NextAfter = rows.Count == pageSize ? rows[^1].Id : null });
        }).RequireSignedIn().WithTags("Connections").WithName("ListConnections")
          .WithSummary("The connection log (sessions and control-plane connections), newest first; filters: workspace (id), user (me, id or username), type, since, until (RFC 3339), open=true; paginated with limit and after.");
        return routes;
    }
}
