using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Identity.ApiTokens;

/// <summary>Long-lived API tokens for automation, managed by their owner.</summary>
internal static class ApiTokenEndpoints
{
    public static RouteGroupBuilder MapApiTokenEndpoints(this RouteGroupBuilder users)
    {
        var tokens = users.MapGroup("/me/keys/tokens");

        tokens.MapPost("/", static async Task<Results<Created<CreateTokenResponse>, ValidationProblem, ProblemHttpResult>> (
            CreateTokenRequest request, HttpContext http, ApiKeyStore keys, IdentityOptions options, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var lifetime = request.LifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.DefaultApiTokenLifetime;
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.TokenName) || request.TokenName.Length > 64 || request.TokenName.Trim() != request.TokenName)
            {
                errors["token_name"] = ["must be 1 to 64 characters without leading or trailing spaces"];
            }

            if (lifetime <= TimeSpan.Zero || lifetime > options.MaxApiTokenLifetime)
            {
                errors["lifetime_seconds"] = [$"must be between 1 and {(long)options.MaxApiTokenLifetime.TotalSeconds} ({options.MaxApiTokenLifetime.TotalDays:F0} days)"];
            }

            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, detail: "the token request is not valid", extensions: Problems.Code(ProblemCodes.ValidationFailed));
            }

            var userId = http.User.GetUserId();
            var created = await keys.CreateApiTokenAsync(userId, request.TokenName, lifetime, cancellationToken).ConfigureAwait(false);
            if (created is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                    detail: $"you already have a token named \"{request.TokenName}\"; revoke it first or choose another name", extensions: Problems.Code(ProblemCodes.TokenExists));
            }

            var (token, record) = created.Value;
            IdentityLog.ApiTokenCreated(loggers.CreateLogger(IdentityLog.Category), record.Id, record.Name, userId, record.ExpiresAt);
            return TypedResults.Created($"/api/v2/users/me/keys/tokens/{record.Id}", new CreateTokenResponse { Key = token.ToString(), Token = ToWire(record) });
        }).WithName("CreateApiToken").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.TokenExists).WithSummary("Creates an API token; its secret is shown only in this answer.").RequirePermission(ResourceType.ApiKey, PermissionAction.Create);

        tokens.MapGet("/", static async (HttpContext http, ApiKeyStore keys, CancellationToken cancellationToken) =>
            TypedResults.Ok((await keys.ListApiTokensAsync(http.User.GetUserId(), cancellationToken).ConfigureAwait(false)).ConvertAll(ToWire)))
            .WithName("ListApiTokens").WithSummary("The caller's live API tokens, without secrets.").RequirePermission(ResourceType.ApiKey, PermissionAction.Read);

        tokens.MapDelete("/{idOrName}", static async Task<Results<NoContent, ProblemHttpResult>> (
            string idOrName, HttpContext http, ApiKeyStore keys, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var userId = http.User.GetUserId();
            if (!await keys.RevokeApiTokenAsync(userId, idOrName, cancellationToken).ConfigureAwait(false))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"you have no live token with id or name \"{idOrName}\"", extensions: Problems.Code(ProblemCodes.TokenNotFound));
            }

            IdentityLog.ApiTokenRevoked(loggers.CreateLogger(IdentityLog.Category), idOrName, userId);
            return TypedResults.NoContent();
        }).WithName("RevokeApiToken").WithSummary("Revokes one of the caller's API tokens by id or name.").RequirePermission(ResourceType.ApiKey, PermissionAction.Delete);

        return users;
    }

    private static ApiToken ToWire(ApiTokenRecord record) => new()
    {
        Id = record.Id,
        TokenName = record.Name,
        CreatedAt = record.CreatedAt,
        ExpiresAt = record.ExpiresAt,
        LastUsedAt = record.LastUsedAt,
    };
}
