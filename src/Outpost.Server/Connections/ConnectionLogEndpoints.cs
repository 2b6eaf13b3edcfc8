using System.Globalization;
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
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapConnectionLog(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/connections", static async Task<Results<Ok<ConnectionLogPage>, ProblemHttpResult>> (
            string? workspace, string? user, string? type, string? since, string? until, string? open, string? limit, string? after,
            HttpContext http, ConnectionLogStore store, UserStore users, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var (query, problem) = Parse(workspace, type, since, until, open, limit, after);
            if (query is null)
            {
                return Problems.BadRequest(problem!, ProblemCodes.InvalidRequest);
            }

            var filter = query.Filter;
            if (user is not null)
            {
                var userId = user == "me" ? subject.UserId
                    : Guid.TryParse(user, out var id) ? id
                    : await users.FindIdAsync(user, cancellationToken).ConfigureAwait(false);
                if (userId is null)
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

            var rows = await store.ListAsync(filter, query.After, query.Limit, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new ConnectionLogPage { Connections = rows, NextAfter = rows.Count == query.Limit ? rows[^1].Id : null });
        }).RequireSignedIn().WithTags("Connections").WithName("ListConnections")
          .WithSummary("The connection log (sessions and control-plane connections), newest first; filters: workspace (id), user (me, id or username), type, since, until (RFC 3339), open=true; paginated with limit and after.");
        return routes;
    }

    private sealed record Query(ConnectionLogFilter Filter, Guid? After, int Limit);

    private static (Query? Query, string? Problem) Parse(string? workspace, string? type, string? since, string? until, string? open, string? limit, string? after)
    {
        var filter = new ConnectionLogFilter();
        if (workspace is not null)
        {
            if (!Guid.TryParse(workspace, out var id))
            {
                return (null, $"workspace: \"{workspace}\" is not a workspace id");
            }

            filter = filter with { WorkspaceId = id };
        }

        if (type is not null)
        {
            if (!WireName<ConnectionType>.TryParse(type, out var parsed))
            {
                return (null, $"type: unknown type \"{type}\"; use one of {string.Join(", ", WireName<ConnectionType>.All)}");
            }

            filter = filter with { Type = parsed };
        }

        foreach (var (name, text) in new[] { ("since", since), ("until", until) })
        {
            if (text is null)
            {
                continue;
            }

            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return (null, $"{name}: \"{text}\" is not a time (RFC 3339, e.g. 2026-01-02T15:04:05Z)");
            }

            filter = name == "since" ? filter with { Since = at } : filter with { Until = at };
        }

        if (open is not null)
        {
            if (!bool.TryParse(open, out var openOnly))
            {
                return (null, $"open: \"{open}\" is not true or false");
            }

            filter = filter with { OpenOnly = openOnly };
        }

        var pageSize = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return (null, $"limit: must be between 1 and {MaxPageSize}");
        }

        Guid? cursor = null;
        if (after is not null)
        {
            if (!Guid.TryParse(after, out var id))
            {
                return (null, $"after: \"{after}\" is not a connection id");
            }

            cursor = id;
        }

        return (new Query(filter, cursor, pageSize), null);
    }
}
