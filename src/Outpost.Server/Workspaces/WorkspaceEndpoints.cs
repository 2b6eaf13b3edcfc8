using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Templates;

namespace Outpost.Server.Workspaces;

/// <summary>Workspaces: create, list, show, and their builds. Members see and manage their own.</summary>
internal static class WorkspaceEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapWorkspaceEndpoints(this IEndpointRouteBuilder routes)
    {
        var workspaces = routes.MapGroup("/api/v2/workspaces").WithTags("Workspaces");

        workspaces.MapPost("/", static async Task<Results<Created<Workspace>, ProblemHttpResult>> (
            CreateWorkspaceRequest request, HttpContext http, TemplateStore templates, WorkspaceStore store, WorkspaceBuilder builder,
            ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            if (NameRules.Check(request.Name, NameRules.MaxWorkspaceName, "workspace") is { } invalid)
            {
                return Problems.BadRequest(invalid);
            }

            var templateKey = request.TemplateId?.ToString() ?? request.TemplateName;
            if (string.IsNullOrEmpty(templateKey))
            {
                return Problems.BadRequest("name a template with template_id or template_name");
            }

            var (template, missing) = await templates.FindAsync(templateKey, cancellationToken).ConfigureAwait(false);
            if (template is null)
            {
                return Problems.BadRequest(missing!);
            }

            var (version, problem) = await builder.UsableVersionAsync(template.ActiveVersionId, template.Name, cancellationToken).ConfigureAwait(false);
            if (version is null)
            {
                return problem!;
            }

            var (values, parameterProblem) = WorkspaceBuilder.ResolveParameters(version, null, request.Parameters);
            if (values is null)
            {
                return parameterProblem!;
            }

            var userId = http.User.GetUserId();
            var build = new BuildRequest(version, WorkspaceTransition.Start, request.Reason, userId, values);
            var (workspaceId, jobId, refusal) = await store.CreateAsync(userId, request.Name, build, cancellationToken).ConfigureAwait(false);
            WorkspaceBuilder.Count(build, refusal == EnqueueRefusal.None);
            if (refusal == EnqueueRefusal.NameTaken)
            {
                return Problems.Conflict($"you already have a workspace named \"{request.Name}\"; choose another name or delete that one first");
            }

            var logger = loggers.CreateLogger(WorkspacesLog.Category);
            WorkspacesLog.WorkspaceCreated(logger, workspaceId, request.Name, userId, template.Name);
            WorkspacesLog.BuildQueued(logger, 1, "start", WireName<BuildReason>.Name(request.Reason), workspaceId, jobId);
            var workspace = await store.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false);
            return TypedResults.Created($"/api/v2/workspaces/{workspaceId}", workspace!);
        }).WithName("CreateWorkspace").WithSummary("Creates a workspace from a template's active version and queues its first start build.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Create);

        workspaces.MapGet("/", static async Task<Results<Ok<WorkspacesResponse>, ProblemHttpResult>> (
            string? owner, string? template, string? status, int? limit, Guid? after, HttpContext http, WorkspaceStore store,
            NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var pageSize = limit ?? DefaultPageSize;
            if (pageSize is < 1 or > MaxPageSize)
            {
                return Problems.BadRequest($"limit must be between 1 and {MaxPageSize}");
            }

            string[]? pairs = null;
            if (status is not null)
            {
                if (!WireName<WorkspaceStatus>.TryParse(status, out var parsed))
                {
                    return Problems.BadRequest($"unknown status \"{status}\"{NameSuggestions.DidYouMean(status, WireName<WorkspaceStatus>.All)}; use one of {string.Join(", ", WireName<WorkspaceStatus>.All)}");
                }

                pairs = WorkspaceStatusRules.PairsFor(parsed);
            }

            Guid? ownerId = null;
            if (owner is not null)
            {
                ownerId = await ResolveUserAsync(dataSource, owner, subject, cancellationToken).ConfigureAwait(false);
                if (ownerId is null)
                {
                    return Problems.BadRequest($"there is no user \"{owner}\"");
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
                ? Problems.NotFound($"there is no workspace {id}")
                : TypedResults.Ok(workspace);
        }).WithName("GetWorkspace").RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        routes.MapGet("/api/v2/users/{user}/workspace/{name}", static async Task<Results<Ok<Workspace>, ProblemHttpResult>> (
            string user, string name, HttpContext http, WorkspaceStore store, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var ownerId = await ResolveUserAsync(dataSource, user, subject, cancellationToken).ConfigureAwait(false);
            if (ownerId is null || !subject.Can(ResourceType.Workspace, PermissionAction.Read, ownerId))
            {
                return Problems.NotFound($"there is no user \"{user}\" whose workspaces you may see");
            }

            var workspace = await store.GetByNameAsync(ownerId.Value, name, cancellationToken).ConfigureAwait(false);
            if (workspace is not null)
            {
                return TypedResults.Ok(workspace);
            }

            var names = await store.ListNamesAsync(ownerId.Value, cancellationToken).ConfigureAwait(false);
            return Problems.NotFound(names.Count == 0
                ? $"there is no workspace \"{name}\"; {(user == "me" ? "you have" : $"{user} has")} no workspaces"
                : $"there is no workspace \"{name}\"{NameSuggestions.DidYouMean(name, names)}");
        }).WithTags("Workspaces").WithName("GetWorkspaceByOwnerAndName").WithSummary("A live workspace by owner (username or me) and name.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        routes.MapBuildEndpoints();
        return routes;
    }

    /// <summary>"me", a username, or a user id.</summary>
    internal static async Task<Guid?> ResolveUserAsync(NpgsqlDataSource dataSource, string user, Subject subject, CancellationToken cancellationToken)
    {
        if (user == "me")
        {
            return subject.UserId;
        }

        await using var command = dataSource.CreateCommand("SELECT id FROM users WHERE lower(username) = lower($1) OR id::text = $1");
        command.With(user);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as Guid?;
    }
}
