using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Files;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Templates;

/// <summary>Templates and their versions: template admins manage them, everyone signed in reads them.</summary>
internal static class TemplateEndpoints
{
    private static readonly string[] Provisioners = ["local", "terraform"];

    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder routes)
    {
        var templates = routes.MapGroup("/api/v2/templates").WithTags("Templates").RequireAuthorization(CallerPolicies.User);

        templates.MapPost("/", static async Task<Results<Created<Template>, ProblemHttpResult>> (
            CreateTemplateRequest request, HttpContext http, TemplateStore store, CancellationToken cancellationToken) =>
        {
            if (NameRules.Check(request.Name, NameRules.MaxTemplateName, "template") is { } invalid)
            {
                return Problems.BadRequest(invalid);
            }

            if (!Provisioners.Contains(request.Provisioner))
            {
                return Problems.BadRequest($"unknown provisioner \"{request.Provisioner}\"; use one of {string.Join(", ", Provisioners)}");
            }

            var created = await store.CreateAsync(request.Name, request.Description, request.Provisioner, http.User.GetUserId(), cancellationToken).ConfigureAwait(false);
            return created is null
                ? Problems.Conflict($"a template named \"{request.Name}\" already exists; push a new version to it instead", ProblemCodes.TemplateExists)
                : TypedResults.Created($"/api/v2/templates/{created.Id}", created);
        }).WithName("CreateTemplate").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.TemplateExists).WithSummary("Creates an empty template; push versions to it.")
          .RequirePermission(ResourceType.Template, PermissionAction.Create);

        templates.MapGet("/", static async (TemplateStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok(await store.ListAsync(cancellationToken).ConfigureAwait(false)))
            .WithName("ListTemplates").WithSummary("Every template, with its active version.").RequirePermission(ResourceType.Template, PermissionAction.Read);

        templates.MapGet("/{idOrName}", static async Task<Results<Ok<Template>, ProblemHttpResult>> (
            string idOrName, TemplateStore store, CancellationToken cancellationToken) =>
        {
            var (template, missing) = await store.FindAsync(idOrName, cancellationToken).ConfigureAwait(false);
            return template is null ? Problems.NotFound(missing!, ProblemCodes.TemplateNotFound) : TypedResults.Ok(template);
        }).WithName("GetTemplate").WithSummary("A template by id or name.").RequirePermission(ResourceType.Template, PermissionAction.Read);

        templates.MapPatch("/{idOrName}", static async Task<Results<Ok<Template>, ProblemHttpResult>> (
            string idOrName, UpdateTemplateRequest request, TemplateStore store, CancellationToken cancellationToken) =>
        {
            var (template, missing) = await store.FindAsync(idOrName, cancellationToken).ConfigureAwait(false);
            if (template is null)
            {
                return Problems.NotFound(missing!, ProblemCodes.TemplateNotFound);
            }

            if (request.ActiveVersionId is { } versionId)
            {
                var version = await store.GetVersionAsync(versionId, cancellationToken).ConfigureAwait(false);
                if (version is null || version.TemplateId != template.Id)
                {
                    return Problems.BadRequest($"template \"{template.Name}\" has no version {versionId}", ProblemCodes.TemplateVersionNotFound);
                }

                if (version.Job.Status != ProvisionerJobStatus.Succeeded)
                {
                    return Problems.Conflict($"version \"{version.Name}\" cannot be activated: its import is {WireName<ProvisionerJobStatus>.Name(version.Job.Status)}"
                        + (version.Job.Error is { } error ? $" ({error})" : string.Empty), ProblemCodes.TemplateVersionNotReady);
                }
            }

            await store.UpdateAsync(template.Id, request.ActiveVersionId, request.Description, cancellationToken).ConfigureAwait(false);
            var (updated, _) = await store.FindAsync(template.Id.ToString(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(updated!);
        }).WithName("UpdateTemplate").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.TemplateVersionNotReady).WithSummary("Activates a successfully imported version, or changes the description.")
          .RequirePermission(ResourceType.Template, PermissionAction.Update);

        templates.MapPost("/{idOrName}/versions", static async Task<Results<Created<TemplateVersion>, ProblemHttpResult>> (
            string idOrName, CreateTemplateVersionRequest request, HttpContext http, TemplateStore store, FileStore files, CancellationToken cancellationToken) =>
        {
            var (template, missing) = await store.FindAsync(idOrName, cancellationToken).ConfigureAwait(false);
            if (template is null)
            {
                return Problems.NotFound(missing!, ProblemCodes.TemplateNotFound);
            }

            if (!await files.ExistsAsync(request.FileHash, cancellationToken).ConfigureAwait(false))
            {
                return Problems.BadRequest($"no file has the hash \"{request.FileHash}\"; upload the archive with POST /api/v2/files first", ProblemCodes.FileNotFound);
            }

            var version = await store.CreateVersionAsync(template, request.FileHash, request.Name, http.User.GetUserId(), cancellationToken).ConfigureAwait(false);
            return version is null
                ? Problems.Conflict($"template \"{template.Name}\" already has a version named \"{request.Name}\"", ProblemCodes.TemplateVersionExists)
                : TypedResults.Created($"/api/v2/templateversions/{version.Id}", version);
        }).WithName("CreateTemplateVersion").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.TemplateVersionExists).WithSummary("Queues the import of an uploaded archive as a new version.")
          .RequirePermission(ResourceType.TemplateVersion, PermissionAction.Create);

        templates.MapGet("/{idOrName}/versions", static async Task<Results<Ok<List<TemplateVersion>>, ProblemHttpResult>> (
            string idOrName, TemplateStore store, CancellationToken cancellationToken) =>
        {
            var (template, missing) = await store.FindAsync(idOrName, cancellationToken).ConfigureAwait(false);
            return template is null ? Problems.NotFound(missing!, ProblemCodes.TemplateNotFound) : TypedResults.Ok(await store.ListVersionsAsync(template.Id, cancellationToken).ConfigureAwait(false));
        }).WithName("ListTemplateVersions").WithSummary("The versions of a template, by id or name, with their import status.").RequirePermission(ResourceType.TemplateVersion, PermissionAction.Read);

        var versions = routes.MapGroup("/api/v2/templateversions").WithTags("Templates").RequireAuthorization(CallerPolicies.User);
        versions.MapGet("/{id:guid}", static async Task<Results<Ok<TemplateVersion>, ProblemHttpResult>> (
            Guid id, TemplateStore store, CancellationToken cancellationToken) =>
        {
            var version = await store.GetVersionAsync(id, cancellationToken).ConfigureAwait(false);
            return version is null ? Problems.NotFound($"there is no template version {id}", ProblemCodes.TemplateVersionNotFound) : TypedResults.Ok(version);
        }).WithName("GetTemplateVersion").WithSummary("A template version: its import job's status, parameters and agents.").RequirePermission(ResourceType.TemplateVersion, PermissionAction.Read);

        versions.MapGet("/{id:guid}/logs", static async Task<IResult> (
            Guid id, bool? follow, long? after, TemplateStore store, NpgsqlDataSource dataSource, IPubsub pubsub, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var version = await store.GetVersionAsync(id, cancellationToken).ConfigureAwait(false);
            return version is null
                ? Problems.NotFound($"there is no template version {id}", ProblemCodes.TemplateVersionNotFound)
                : await JobLogStream.AnswerAsync(version.Job.Id, follow == true, after ?? 0, dataSource, pubsub, time, cancellationToken).ConfigureAwait(false);
        }).WithName("TemplateVersionLogs").WithSummary("The import's logs so far (JSON), or followed as SSE with follow=true until the job completes.")
          .RequirePermission(ResourceType.TemplateVersion, PermissionAction.Read);

        return routes;
    }
}
