using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Users;

namespace Outpost.Server.Workspaces;

/// <summary>Workspaces: create, list, show, and their builds. Members see and manage their own.</summary>
internal static class WorkspaceEndpoints
{
    internal static readonly PageLimit Paging = new(Default: 50, Max: 200);

    public static IEndpointRouteBuilder MapWorkspaceEndpoints(this IEndpointRouteBuilder routes)
    {
        var workspaces = routes.MapGroup("/api/v2/workspaces").WithTags("Workspaces").RequireAuthorization(CallerPolicies.User);

        workspaces.MapPost("/", static async Task<Results<Created<Workspace>, ProblemHttpResult>> (
            CreateWorkspaceRequest request, HttpContext http, WorkspaceBuilds builds, CancellationToken cancellationToken) =>
        {
            var (workspace, refusal) = await builds.CreateWorkspaceAsync(http.GetSubject(), request, ownerId: null, cancellationToken).ConfigureAwait(false);
            return workspace is null ? refusal!.ToProblem() : TypedResults.Created($"/api/v2/workspaces/{workspace.Id}", workspace);
        }).WithName("CreateWorkspace")
          .DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.WorkspaceExists, ProblemCodes.TemplateNoActiveVersion)
          .DocumentsProblem(StatusCodes.Status400BadRequest, ProblemCodes.TemplateNotFound, ProblemCodes.InvalidParameters).WithSummary("Creates a workspace from a template's active version and queues its first start build.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Create);

        workspaces.MapGet("/", static async Task<Results<Ok<WorkspacesResponse>, ProblemHttpResult>> (
            string? owner, string? template, string? status, int? limit, Guid? after, HttpContext http, WorkspaceStore store,
            UserStore users, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            if (Paging.Check(limit, out var pageSize) is { } badLimit)
            {
                return badLimit;
            }

            string[]? pairs = null;
            if (status is not null)
            {
                if (!WireName<WorkspaceStatus>.TryParse(status, out var parsed))
                {
                    return Problems.BadRequest($"unknown status \"{status}\"{NameSuggestions.DidYouMean(status, WireName<WorkspaceStatus>.All)}; use one of {string.Join(", ", WireName<WorkspaceStatus>.All)}");
                }

                pairs = WorkspaceStore.StatusPairsFor(parsed);
            }

            Guid? ownerId = null;
            if (owner is not null)
            {
                ownerId = await users.ResolveAsync(owner, subject.UserId, cancellationToken).ConfigureAwait(false);
                if (ownerId is null)
                {
                    return Problems.BadRequest($"there is no user \"{owner}\"", ProblemCodes.UserNotFound);
                }
            }

            if (!subject.Can(ResourceType.Workspace, PermissionAction.Read))
            {
                // Members see only their own workspaces, whatever the filter asks for.
                if (ownerId is not null && ownerId != subject.UserId)
                {
                    return TypedResults.Ok(new WorkspacesResponse { Workspaces = [] });
                }

                ownerId = subject.UserId;
            }

            var page = await store.ListAsync(ownerId, template, pairs, after, pageSize, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new WorkspacesResponse { Workspaces = page, NextAfter = page.Count == pageSize ? page[^1].Id : null });
        }).WithName("ListWorkspaces").WithSummary("Live workspaces, oldest first, filtered by owner (username or me), template name and status; paginated with limit and after.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        workspaces.MapGet("/{id:guid}", static async Task<Results<Ok<Workspace>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, CancellationToken cancellationToken) =>
        {
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return workspace is null || !http.GetSubject().Can(ResourceType.Workspace, PermissionAction.Read, workspace.OwnerId)
                ? Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound)
                : TypedResults.Ok(workspace);
        }).WithName("GetWorkspace").WithSummary("A workspace by id, with its latest build.").RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        routes.MapGet("/api/v2/users/{user}/workspace/{name}", static async Task<Results<Ok<Workspace>, ProblemHttpResult>> (
            string user, string name, HttpContext http, WorkspaceStore store, UserStore users, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var ownerId = await users.ResolveAsync(user, subject.UserId, cancellationToken).ConfigureAwait(false);
            if (ownerId is null || !subject.Can(ResourceType.Workspace, PermissionAction.Read, ownerId))
            {
                return Problems.NotFound($"there is no user \"{user}\" whose workspaces you may see", ProblemCodes.UserNotFound);
            }

            var workspace = await store.GetByNameAsync(ownerId.Value, name, cancellationToken).ConfigureAwait(false);
            if (workspace is not null)
            {
                return TypedResults.Ok(workspace);
            }

            var names = await store.ListNamesAsync(ownerId.Value, cancellationToken).ConfigureAwait(false);
            return Problems.NotFound(names.Count == 0
                ? $"there is no workspace \"{name}\"; {(user == "me" ? "you have" : $"{user} has")} no workspaces"
                : $"there is no workspace \"{name}\"{NameSuggestions.DidYouMean(name, names)}", ProblemCodes.WorkspaceNotFound);
        }).WithTags("Workspaces").WithName("GetWorkspaceByOwnerAndName").WithSummary("A live workspace by owner (username or me) and name.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        routes.MapBuildEndpoints();
        return routes;
    }
}
