using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Secrets;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Secrets;

/// <summary>
/// <c>/api/v2/users/me/secrets</c>: the caller's own secrets (user token). Lists carry metadata,
/// never values; a name the caller does not own is 404 whoever owns it. A refused change is a 400
/// (or 409 for a taken name or binding) whose code and <c>errors</c> name the field, and changes nothing.
/// </summary>
internal static class UserSecretEndpoints
{
    public const string Route = "/api/v2/users/me/secrets";

    public static IEndpointRouteBuilder MapUserSecretEndpoints(this IEndpointRouteBuilder routes)
    {
        var secrets = routes.MapGroup(Route).WithTags("User secrets").RequireAuthorization(CallerPolicies.User);

        secrets.MapGet("/", static async (HttpContext http, UserSecretStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok((await store.ListAsync(http.User.GetUserId(), cancellationToken).ConfigureAwait(false)).ToList()))
            .WithName("ListUserSecrets").WithSummary("The caller's secrets: names, bindings and dates, never values.");

        secrets.MapPost("/", static async Task<Results<Created<UserSecret>, ProblemHttpResult>> (
            CreateUserSecretRequest request, HttpContext http, UserSecretStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var userId = http.User.GetUserId();
            var (created, refusal) = await store.CreateAsync(userId, request, cancellationToken).ConfigureAwait(false);
            if (created is null)
            {
                return Refuse(refusal, request.Name);
            }

            SecretsLog.Created(loggers.CreateLogger(SecretsLog.Category), userId, created.Name);
            return TypedResults.Created($"{Route}/{Uri.EscapeDataString(created.Name)}", created);
        }).WithName("CreateUserSecret").WithSummary("Creates a secret; its value is never returned.");

        secrets.MapPatch("/{name}", static async Task<Results<Ok<UserSecret>, ProblemHttpResult>> (
            string name, UpdateUserSecretRequest request, HttpContext http, UserSecretStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var userId = http.User.GetUserId();
            var (updated, refusal) = await store.UpdateAsync(userId, name, request, cancellationToken).ConfigureAwait(false);
            if (updated is null)
            {
                return Refuse(refusal, name);
            }

            SecretsLog.Updated(loggers.CreateLogger(SecretsLog.Category), userId, updated.Name, request.Value is not null);
            return TypedResults.Ok(updated);
        }).WithName("UpdateUserSecret").WithSummary("Changes a secret's value, description or bindings (members left out stay).");

        secrets.MapDelete("/{name}", static async Task<Results<NoContent, ProblemHttpResult>> (
            string name, HttpContext http, UserSecretStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var userId = http.User.GetUserId();
            if (!await store.DeleteAsync(userId, name, cancellationToken).ConfigureAwait(false))
            {
                return NotFound(name);
            }

            SecretsLog.Deleted(loggers.CreateLogger(SecretsLog.Category), userId, name);
            return TypedResults.NoContent();
        }).WithName("DeleteUserSecret").WithSummary("Deletes a secret. Workspaces keep running; their next start build goes without it.");

        return routes;
    }

    private static ProblemHttpResult Refuse(SecretRefusal refusal, string? name)
    {
        if (refusal.Kind == SecretRefusalKind.NotFound || refusal.Violation is not { } violation)
        {
            return NotFound(name ?? string.Empty);
        }

        var (status, title, code) = refusal.Kind == SecretRefusalKind.Exists
            ? (StatusCodes.Status409Conflict, "Conflict", ProblemCodes.SecretExists)
            : (StatusCodes.Status400BadRequest, "Bad Request", violation.Code);
        var extensions = Problems.Code(code);
        extensions["errors"] = new Dictionary<string, string[]> { [violation.FieldName] = [violation.Message] };
        return TypedResults.Problem(statusCode: status, title: title, detail: $"{violation.FieldName}: {violation.Message}", extensions: extensions);
    }

    private static ProblemHttpResult NotFound(string name) =>
        Problems.NotFound($"you have no secret named \"{name}\"", ProblemCodes.SecretNotFound);
}
