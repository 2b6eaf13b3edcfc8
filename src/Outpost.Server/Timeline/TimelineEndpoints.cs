using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Timeline;

/// <summary>
/// <c>GET /api/v2/workspaces/{id}/timeline</c> (issue 24): what every layer recorded about one workspace, oldest first.
/// Whoever may read the workspace's builds may read it (its owner, admins and owners); anyone else gets 404, as for
/// the workspace itself. <c>since</c>/<c>until</c> (RFC 3339) bound it to <c>[since, until)</c>; pages hold
/// <c>limit</c> entries (default <see cref="TimelineApi.DefaultLimit"/>, at most <see cref="TimelineApi.MaxLimit"/>) and
/// <c>after</c> is the previous page's <c>next_after</c>.
/// </summary>
internal static class TimelineEndpoints
{
    internal static readonly PageLimit Paging = new(Default: TimelineApi.DefaultLimit, Max: TimelineApi.MaxLimit);

    public static IServiceCollection AddTimeline(this IServiceCollection services) => services.AddSingleton<TimelineStore>();

    public static IEndpointRouteBuilder MapTimeline(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/workspaces/{id:guid}/timeline", static async Task<Results<JsonHttpResult<WorkspaceTimeline>, ProblemHttpResult>> (
            Guid id, DateTimeOffset? since, DateTimeOffset? until, int? limit, string? after,
            HttpContext http, WorkspaceStore workspaces, TimelineStore timeline, CancellationToken cancellationToken) =>
        {
            if (Paging.Check(limit, out var pageSize) is { } badLimit)
            {
                return badLimit;
            }

            if (since is { } from && until is { } to && to <= from)
            {
                return Problems.BadField("until", $"until ({to:O}) must be later than since ({from:O})", ProblemCodes.ValidationFailed);
            }

            TimelineCursor? cursor = null;
            if (after is not null)
            {
                if (!TimelineCursor.TryDecode(after, out var decoded))
                {
                    return Problems.BadField("after", "after must be the next_after of a previous page of this timeline", ProblemCodes.ValidationFailed);
                }

                cursor = decoded;
            }

            var workspace = await workspaces.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (workspace is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, workspace.OwnerId))
            {
                return Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound);
            }

            var (entries, last) = await timeline.ReadAsync(id, since, until, cursor, pageSize, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new WorkspaceTimeline { WorkspaceId = id, Entries = entries, NextAfter = entries.Count == pageSize ? last?.Encode() : null },
                TimelineJsonContext.Default.WorkspaceTimeline);
        }).RequireAuthorization(CallerPolicies.User).WithTags("Workspaces").WithName("GetWorkspaceTimeline")
          .Produces<WorkspaceTimeline>(StatusCodes.Status200OK)
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read)
          .WithSummary("What every layer recorded about a workspace (builds and jobs, agent lifecycle, control-plane connections, sessions), oldest first; since/until (RFC 3339), limit and after.");
        routes.MapSupportLogs();
        return routes;
    }
}
