using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Templates;

namespace Outpost.Server.Prebuilds;

/// <summary>A version's presets with the state of their prebuild pools; everyone signed in may read them.</summary>
internal static class PresetEndpoints
{
    public static IEndpointRouteBuilder MapPresetEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/v2/templateversions").WithTags("Templates").RequireAuthorization(CallerPolicies.User)
            .MapGet("/{id:guid}/presets", static async Task<Results<Ok<List<TemplatePreset>>, ProblemHttpResult>> (
                Guid id, TemplateStore templates, PrebuildPools pools, CancellationToken cancellationToken) =>
            {
                var version = await templates.GetVersionAsync(id, cancellationToken).ConfigureAwait(false);
                return version is null
                    ? Problems.NotFound($"there is no template version {id}", ProblemCodes.TemplateVersionNotFound)
                    : TypedResults.Ok(await PresetsAsync(version, pools, cancellationToken).ConfigureAwait(false));
            }).WithName("ListTemplateVersionPresets").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TemplateVersionNotFound)
            .WithSummary("The version's presets, each with its prebuild pool: desired, running, building, failed and state.")
            .RequirePermission(ResourceType.TemplateVersion, PermissionAction.Read);

        routes.MapGroup("/api/v2/templates").WithTags("Templates").RequireAuthorization(CallerPolicies.User)
            .MapGet("/{idOrName}/presets", static async Task<Results<Ok<List<TemplatePreset>>, ProblemHttpResult>> (
                string idOrName, TemplateStore templates, PrebuildPools pools, CancellationToken cancellationToken) =>
            {
                var (template, missing) = await templates.FindAsync(idOrName, cancellationToken).ConfigureAwait(false);
                if (template is null)
                {
                    return Problems.NotFound(missing!, ProblemCodes.TemplateNotFound);
                }

                var version = template.ActiveVersionId is { } active ? await templates.GetVersionAsync(active, cancellationToken).ConfigureAwait(false) : null;
                return TypedResults.Ok(version is null ? [] : await PresetsAsync(version, pools, cancellationToken).ConfigureAwait(false));
            }).WithName("ListTemplatePresets").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TemplateNotFound)
            .WithSummary("The presets of the template's active version (by id or name), each with its prebuild pool.")
            .RequirePermission(ResourceType.TemplateVersion, PermissionAction.Read);

        return routes;
    }

    private static async Task<List<TemplatePreset>> PresetsAsync(TemplateVersion version, PrebuildPools pools, CancellationToken cancellationToken)
    {
        var plan = await pools.PlanAsync(version.Id, cancellationToken).ConfigureAwait(false);
        return
        [
            .. version.Presets.Select(preset => plan.Pools.FirstOrDefault(p => p.Target.VersionId == version.Id && p.Target.Preset == preset.Name) is { } pool
                ? Describe(version.Id, preset) with
                {
                    Desired = pool.Desired,
                    Running = pool.Running,
                    Eligible = pool.Eligible,
                    Building = pool.Building,
                    Failed = pool.Failed,
                    State = pool.State,
                    RetryAt = pool.RetryAt,
                }
                : Describe(version.Id, preset)),
        ];
    }

    private static TemplatePreset Describe(Guid versionId, TemplateVersionPreset preset) => new()
    {
        TemplateVersionId = versionId,
        Name = preset.Name,
        Description = preset.Description,
        Default = preset.Default,
        Parameters = preset.Parameters,
        State = PrebuildPoolState.Inactive,
    };
}
