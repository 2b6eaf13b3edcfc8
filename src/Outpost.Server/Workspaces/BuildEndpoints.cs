using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Server.Templates;

namespace Outpost.Server.Workspaces;

/// <summary>Builds: start, stop and delete transitions, their list, cancel and logs.</summary>
internal static class BuildEndpoints
{
    public static IEndpointRouteBuilder MapBuildEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v2/workspaces/{id:guid}/builds", static async Task<Results<Created<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, CreateWorkspaceBuildRequest request, HttpContext http, WorkspaceStore store, TemplateStore templates,
            WorkspaceBuilder builder, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (workspace is null || workspace.Deleted || !subject.Can(ResourceType.Workspace, PermissionAction.Read, workspace.OwnerId))
            {
                return Problems.NotFound($"there is no workspace {id}");
            }

            var action = request.Transition == WorkspaceTransition.Delete ? PermissionAction.Delete : PermissionAction.Update;
            if (!subject.Can(ResourceType.Workspace, action, workspace.OwnerId))
            {
                return Problems.Forbidden($"you may not {WireName<WorkspaceTransition>.Name(request.Transition)} workspace \"{workspace.Name}\"");
            }

            if (request.Transition != WorkspaceTransition.Start && request.Parameters.Count > 0)
            {
                return Problems.BadRequest("parameters can be given only to start builds");
            }

            // Start builds use the requested or the active version; stop and delete undo what the last build made.
            Guid? versionId = request.TemplateVersionId ?? workspace.LatestBuild.TemplateVersionId;
            if (request.Transition == WorkspaceTransition.Start && request.TemplateVersionId is null)
            {
                var (template, _) = await templates.FindAsync(workspace.TemplateId.ToString(), cancellationToken).ConfigureAwait(false);
                versionId = template?.ActiveVersionId;
            }

            var (version, problem) = await builder.UsableVersionAsync(versionId, workspace.TemplateName, cancellationToken).ConfigureAwait(false);
            if (version is null)
            {
                return problem!;
            }

            if (version.TemplateId != workspace.TemplateId)
            {
                return Problems.BadRequest($"version {version.Id} belongs to another template than workspace \"{workspace.Name}\"");
            }

            var (values, parameterProblem) = WorkspaceBuilder.ResolveParameters(version, workspace.LatestBuild.Parameters, request.Parameters);
            if (values is null)
            {
                return parameterProblem!;
            }

            var (build, refused) = await builder.EnqueueAsync(
                workspace, new BuildRequest(version, request.Transition, request.Reason, http.User.GetUserId(), values), cancellationToken).ConfigureAwait(false);
            return build is null ? refused! : TypedResults.Created($"/api/v2/workspacebuilds/{build.Id}", build);
        }).WithTags("Workspaces").WithName("CreateWorkspaceBuild").WithSummary("Queues a start, stop or delete build; 409 while another build is active.")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Create);

        routes.MapGet("/api/v2/workspaces/{id:guid}/builds", static async Task<Results<Ok<List<WorkspaceBuild>>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, CancellationToken cancellationToken) =>
        {
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return workspace is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, workspace.OwnerId)
                ? Problems.NotFound($"there is no workspace {id}")
                : TypedResults.Ok(await store.ListBuildsAsync(id, cancellationToken).ConfigureAwait(false));
        }).WithTags("Workspaces").WithName("ListWorkspaceBuilds").WithSummary("The workspace's builds, newest first.")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        var builds = routes.MapGroup("/api/v2/workspacebuilds").WithTags("Workspaces");
        builds.MapGet("/{id:guid}", static async Task<Results<Ok<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, CancellationToken cancellationToken) =>
        {
            var (build, ownerId) = await store.GetBuildAsync(id, cancellationToken).ConfigureAwait(false);
            return build is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, ownerId)
                ? Problems.NotFound($"there is no build {id}")
                : TypedResults.Ok(build);
        }).WithName("GetWorkspaceBuild").RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        builds.MapPatch("/{id:guid}/cancel", static async Task<Results<Ok<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var (build, ownerId) = await store.GetBuildAsync(id, cancellationToken).ConfigureAwait(false);
            if (build is null || !subject.Can(ResourceType.WorkspaceBuild, PermissionAction.Read, ownerId))
            {
                return Problems.NotFound($"there is no build {id}");
            }

            if (!subject.Can(ResourceType.Workspace, PermissionAction.Update, ownerId))
            {
                return Problems.Forbidden("you may not cancel builds of this workspace");
            }

            var status = await store.CancelAsync(build.Job.Id, cancellationToken).ConfigureAwait(false);
            if (status is null)
            {
                return Problems.Conflict($"build #{build.BuildNumber} cannot be canceled: it is already {WireName<ProvisionerJobStatus>.Name(build.Job.Status)}");
            }

            WorkspacesLog.BuildCanceled(loggers.CreateLogger(WorkspacesLog.Category), id, http.User.GetUserId(), WireName<ProvisionerJobStatus>.Name(status.Value));
            var (canceled, _) = await store.GetBuildAsync(id, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(canceled!);
        }).WithName("CancelWorkspaceBuild").WithSummary("Cancels a build: a pending one at once, a running one once its daemon notices (canceling).")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        builds.MapGet("/{id:guid}/logs", static async Task<IResult> (
            Guid id, bool? follow, long? after, HttpContext http, WorkspaceStore store, NpgsqlDataSource dataSource, IPubsub pubsub, TimeProvider time,
            CancellationToken cancellationToken) =>
        {
            var (build, ownerId) = await store.GetBuildAsync(id, cancellationToken).ConfigureAwait(false);
            return build is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, ownerId)
                ? Problems.NotFound($"there is no build {id}")
                : await JobLogStream.AnswerAsync(build.Job.Id, follow == true, after ?? 0, dataSource, pubsub, time, cancellationToken).ConfigureAwait(false);
        }).WithName("WorkspaceBuildLogs").WithSummary("The build's logs so far (JSON), or followed as SSE with follow=true until the job completes.")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        return routes;
    }
}
