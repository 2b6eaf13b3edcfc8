using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Workspaces;

/// <summary>Builds: start, stop and delete transitions, their list, cancel and logs.</summary>
internal static class BuildEndpoints
{
    public static IEndpointRouteBuilder MapBuildEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v2/workspaces/{id:guid}/builds", static async Task<Results<Created<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, CreateWorkspaceBuildRequest request, HttpContext http, WorkspaceBuilds builds, CancellationToken cancellationToken) =>
        {
            var (build, refusal) = await builds.BuildAsync(http.GetSubject(), id, request, cancellationToken).ConfigureAwait(false);
            return build is null ? refusal!.ToProblem() : TypedResults.Created($"/api/v2/workspacebuilds/{build.Id}", build);
        }).WithTags("Workspaces").WithName("CreateWorkspaceBuild")
          .DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.WorkspaceBusy, ProblemCodes.TemplateVersionNotReady)
          .DocumentsProblem(StatusCodes.Status400BadRequest, ProblemCodes.TemplateVersionNotFound, ProblemCodes.InvalidParameters).WithSummary("Queues a start, stop or delete build; 409 while another build is active.")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Create);

        routes.MapGet("/api/v2/workspaces/{id:guid}/builds", static async Task<Results<Ok<List<WorkspaceBuild>>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, CancellationToken cancellationToken) =>
        {
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return workspace is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, workspace.OwnerId)
                ? Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound)
                : TypedResults.Ok(await store.ListBuildsAsync(id, cancellationToken).ConfigureAwait(false));
        }).WithTags("Workspaces").WithName("ListWorkspaceBuilds").WithSummary("The workspace's builds, newest first.")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        var builds = routes.MapGroup("/api/v2/workspacebuilds").WithTags("Workspaces").RequireAuthorization(CallerPolicies.User);
        builds.MapGet("/{id:guid}", static async Task<Results<Ok<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, CancellationToken cancellationToken) =>
        {
            var (build, ownerId) = await store.GetBuildAsync(id, cancellationToken).ConfigureAwait(false);
            return build is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, ownerId)
                ? Problems.NotFound($"there is no build {id}", ProblemCodes.BuildNotFound)
                : TypedResults.Ok(build);
        }).WithName("GetWorkspaceBuild").WithSummary("A workspace build: its transition, status, job and timings.").RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        builds.MapPatch("/{id:guid}/cancel", static async Task<Results<Ok<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceBuilds service, CancellationToken cancellationToken) =>
        {
            var (canceled, refusal) = await service.CancelAsync(http.GetSubject(), id, cancellationToken).ConfigureAwait(false);
            return canceled is null ? refusal!.ToProblem() : TypedResults.Ok(canceled);
        }).WithName("CancelWorkspaceBuild").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.BuildNotCancelable).WithSummary("Cancels a build: a pending one at once, a running one once its daemon notices (canceling).")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        builds.MapGet("/{id:guid}/logs", static async Task<IResult> (
            Guid id, bool? follow, long? after, HttpContext http, WorkspaceStore store, NpgsqlDataSource dataSource, IPubsub pubsub, TimeProvider time,
            CancellationToken cancellationToken) =>
        {
            var (build, ownerId) = await store.GetBuildAsync(id, cancellationToken).ConfigureAwait(false);
            return build is null || !http.GetSubject().Can(ResourceType.WorkspaceBuild, PermissionAction.Read, ownerId)
                ? Problems.NotFound($"there is no build {id}", ProblemCodes.BuildNotFound)
                : await JobLogStream.AnswerAsync(build.Job.Id, follow == true, after ?? 0, dataSource, pubsub, time, cancellationToken).ConfigureAwait(false);
        }).WithName("WorkspaceBuildLogs").WithSummary("The build's logs so far (JSON), or followed as SSE with follow=true until the job completes.")
          .RequirePermission(ResourceType.WorkspaceBuild, PermissionAction.Read);

        return routes;
    }
}
