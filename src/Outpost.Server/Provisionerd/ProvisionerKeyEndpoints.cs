using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Provisionerd;

/// <summary>Provisioner keys for external daemons: admins and owners only; the secret is shown once.</summary>
internal static class ProvisionerKeyEndpoints
{
    public static IEndpointRouteBuilder MapProvisionerKeyEndpoints(this IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/api/v2/provisionerkeys").WithTags("Provisioner keys").RequireAuthorization(CallerPolicies.User);

        keys.MapPost("/", static async Task<Results<Created<CreateProvisionerKeyResponse>, ProblemHttpResult>> (
            CreateProvisionerKeyRequest request, HttpContext http, ProvisionerKeyStore store, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64 || request.Name.Trim() != request.Name)
            {
                return Problems.BadRequest("the key name must be 1 to 64 characters without leading or trailing spaces");
            }

            var created = await store.CreateAsync(request.Name, http.User.GetUserId(), cancellationToken).ConfigureAwait(false);
            if (created is null)
            {
                return Problems.Conflict($"a provisioner key named \"{request.Name}\" already exists; delete it first or choose another name", ProblemCodes.ProvisionerKeyExists);
            }

            var (token, key) = created.Value;
            return TypedResults.Created($"/api/v2/provisionerkeys/{key.Id}", new CreateProvisionerKeyResponse { Key = token.ToString(), ProvisionerKey = key });
        }).WithName("CreateProvisionerKey").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.ProvisionerKeyExists).WithSummary("Creates a key for an external provisioner daemon; its secret is shown only in this answer.")
          .RequirePermission(ResourceType.ProvisionerKey, PermissionAction.Create);

        keys.MapGet("/", static async (ProvisionerKeyStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok(await store.ListAsync(cancellationToken).ConfigureAwait(false)))
            .WithName("ListProvisionerKeys").WithSummary("The provisioner keys, without their secrets.").RequirePermission(ResourceType.ProvisionerKey, PermissionAction.Read);

        keys.MapDelete("/{idOrName}", static async Task<Results<NoContent, ProblemHttpResult>> (
            string idOrName, ProvisionerKeyStore store, CancellationToken cancellationToken) =>
            await store.DeleteAsync(idOrName, cancellationToken).ConfigureAwait(false)
                ? TypedResults.NoContent()
                : Problems.NotFound($"there is no provisioner key with id or name \"{idOrName}\"", ProblemCodes.ProvisionerKeyNotFound))
            .WithName("DeleteProvisionerKey").WithSummary("Deletes a provisioner key by id or name; daemons using it are refused from then on.").RequirePermission(ResourceType.ProvisionerKey, PermissionAction.Delete);

        return routes;
    }
}
