using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Passwords;
using Outpost.Server.Identity.Tokens;
using Outpost.Server.Identity.Users;

namespace Outpost.Server.Identity.Sessions;

/// <summary>Password login, the OAuth 2.0 refresh-token grant, and logout.</summary>
internal static class SessionEndpoints
{
    private const string InvalidCredentials = "invalid email or password";

    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder users)
    {
        users.MapPost("/login", static async (LoginRequest request, HttpContext http, UserStore store, PasswordHasher hasher, ApiKeyStore keys,
            LoginRateLimits limits, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var (user, tokens, problem) = await PasswordLoginAsync(request, http, store, hasher, keys, limits, loggers, cancellationToken).ConfigureAwait(false);
            if (tokens is null)
            {
                return problem!;
            }

            return Results.Json(new LoginResponse
            {
                AccessToken = tokens.Access.ToString(),
                ExpiresIn = (long)limits.Options.AccessTokenLifetime.TotalSeconds,
                RefreshToken = tokens.Refresh.ToString(),
                RefreshExpiresIn = (long)limits.Options.RefreshTokenLifetime.TotalSeconds,
                User = user!.ToWire(),
            }, OutpostJson.Options);
        })
        .WithName("Login").WithSummary("Password login; returns an access token and a rotating refresh token.")
        .AllowAnonymous().RequireRateLimiting(LoginRateLimits.AddressPolicy);

        users.MapPost("/logout", static async (HttpContext http, ApiKeyStore keys, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var sessionId = http.User.GetSessionId();
            if (sessionId is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
                    detail: "this request used an API token, which has no session to log out of; revoke it with `outpost tokens revoke`", extensions: Problems.Code(ProblemCodes.InvalidRequest));
            }

            await keys.RevokeSessionAsync(sessionId.Value, "logout", cancellationToken).ConfigureAwait(false);
            IdentityLog.LoggedOut(loggers.CreateLogger(IdentityLog.Category), sessionId.Value, http.User.GetUserId());
            return Results.NoContent();
        }).WithName("Logout").WithSummary("Revokes the session of the presented access token, with all its tokens.").RequireSignedIn();

        return users;
    }

    /// <summary>
    /// The password check both logins share (the API's and the dashboard's): the same rate limits, the same
    /// answers. On success a new session's tokens; otherwise the problem to answer (or <see cref="Results.Empty"/>
    /// when a 429 was written).
    /// </summary>
    internal static async Task<(UserRecord? User, SessionTokens? Tokens, IResult? Problem)> PasswordLoginAsync(LoginRequest request, HttpContext http, UserStore store,
        PasswordHasher hasher, ApiKeyStore keys, LoginRateLimits limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(IdentityLog.Category);
        if (string.IsNullOrWhiteSpace(request.Email) || request.Password is null)
        {
            return (null, null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "email and password are required", extensions: Problems.Code(ProblemCodes.ValidationFailed)));
        }

        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!limits.TryReserveFailure(request.Email, address, out var retryAfter))
        {
            IdentityLog.LoginRateLimited(logger, "per account");
            await LoginRateLimits.WriteTooManyAsync(http, retryAfter, "for this account").ConfigureAwait(false);
            return (null, null, Results.Empty);
        }

        var user = await store.GetByEmailAsync(request.Email.Trim(), cancellationToken).ConfigureAwait(false);
        // Verify even without a user (against a decoy hash) so timing does not reveal which part was wrong.
        var passwordOk = hasher.Verify(request.Password, user?.PasswordHash);
        if (user is null || !passwordOk || user.Status != "active")
        {
            IdentityLog.LoginFailed(logger, user is null ? "unknown email" : !passwordOk ? "wrong password" : "suspended user");
            return (null, null, TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: InvalidCredentials, extensions: Problems.Code(ProblemCodes.InvalidCredentials)));
        }

        limits.ReleaseFailure(request.Email, address);
        var tokens = await keys.CreateSessionAsync(user.Id, limits.Options.AccessTokenLifetime, limits.Options.RefreshTokenLifetime, cancellationToken).ConfigureAwait(false);
        IdentityLog.LoginSucceeded(logger, user.Id, tokens.SessionId);
        return (user, tokens, null);
    }

    /// <summary><c>POST /oauth2/token</c>, RFC 6749 §6: form-encoded request, JSON answer, OAuth error codes.</summary>
    public static IEndpointRouteBuilder MapOAuth2TokenEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/oauth2/token", static async (HttpContext http, ApiKeyStore keys, LoginRateLimits limits, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            // RFC 6749 §5.1: token responses must not be cached.
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.Pragma = "no-cache";
            if (!http.Request.HasFormContentType)
            {
                return OAuthError("invalid_request", "send the request as application/x-www-form-urlencoded");
            }

            var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            var grantType = form["grant_type"].ToString();
            if (grantType.Length == 0)
            {
                return OAuthError("invalid_request", "grant_type is required");
            }

            if (grantType != "refresh_token")
            {
                return OAuthError("unsupported_grant_type", $"grant_type \"{grantType}\" is not supported; use refresh_token");
            }

            var refreshToken = form["refresh_token"].ToString();
            if (refreshToken.Length == 0)
            {
                return OAuthError("invalid_request", "refresh_token is required");
            }

            var logger = loggers.CreateLogger(IdentityLog.Category);
            var outcome = await keys.RefreshAsync(refreshToken, limits.Options.AccessTokenLifetime, limits.Options.RefreshTokenLifetime, cancellationToken).ConfigureAwait(false);
            if (outcome.Tokens is null)
            {
                if (outcome.ReuseDetected)
                {
                    IdentityLog.RefreshTokenReused(logger);
                }
                else
                {
                    IdentityLog.RefreshRefused(logger, outcome.Error!);
                }

                return OAuthError("invalid_grant", outcome.Error!);
            }

            IdentityLog.SessionRefreshed(logger, outcome.Tokens.SessionId);
            return Results.Json(new OAuth2TokenResponse
            {
                AccessToken = outcome.Tokens.Access.ToString(),
                ExpiresIn = (long)limits.Options.AccessTokenLifetime.TotalSeconds,
                RefreshToken = outcome.Tokens.Refresh.ToString(),
            }, OutpostJson.Options);
        })
        .WithName("OAuth2Token").WithTags("Identity").Produces<OAuth2TokenResponse>().Produces<OAuth2ErrorResponse>(StatusCodes.Status400BadRequest).WithSummary("OAuth 2.0 token endpoint: the refresh_token grant, with rotation and reuse detection.")
        .AllowAnonymous().DisableAntiforgery();
        return routes;
    }

    private static IResult OAuthError(string error, string description) =>
        Results.Json(new OAuth2ErrorResponse { Error = error, ErrorDescription = description }, OutpostJson.Options, statusCode: StatusCodes.Status400BadRequest);
}
