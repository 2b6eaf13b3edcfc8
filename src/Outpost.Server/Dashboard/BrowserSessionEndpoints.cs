using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Passwords;
using Outpost.Server.Identity.Sessions;
using Outpost.Server.Identity.Tokens;
using Outpost.Server.Identity.Users;

namespace Outpost.Server.Dashboard;

/// <summary>
/// The dashboard's sign-in and sign-out: the API's password login (same limits, same answers), but the access
/// token goes into the HttpOnly session cookie instead of the body (docs/dashboard.md).
/// </summary>
internal static class BrowserSessionEndpoints
{
    public const string SignInPath = "/browser-session";

    public static RouteGroupBuilder MapBrowserSessionEndpoints(this RouteGroupBuilder users)
    {
        // A JSON body: a form of another site cannot send one without a CORS preflight, which this server never grants.
        users.MapPost(SignInPath, static async (LoginRequest request, HttpContext http, UserStore store, PasswordHasher hasher, ApiKeyStore keys,
            LoginRateLimits limits, ServerOptions server, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var (user, tokens, problem) = await SessionEndpoints.PasswordLoginAsync(request, http, store, hasher, keys, limits, loggers, cancellationToken).ConfigureAwait(false);
            if (tokens is null)
            {
                return problem!;
            }

            CookieAuthenticationHandler.SetCookies(http.Response, server, tokens.Access.ToString(), tokens.AccessExpiresAt);
            http.Response.Headers.CacheControl = "no-store";
            DashboardLog.SignedIn(loggers.CreateLogger(DashboardLog.Category), user!.Id, tokens.SessionId);
            return Results.Json(user.ToWire(), OutpostJson.Options);
        })
        .WithName("BrowserSignIn").Produces<User>().WithSummary("Dashboard sign-in: the password login, answered with the HttpOnly session cookie and the CSRF cookie.")
        .AllowAnonymous().RequireRateLimiting(LoginRateLimits.AddressPolicy);

        users.MapDelete(SignInPath, static async (HttpContext http, ApiKeyStore keys, ServerOptions server, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            CookieAuthenticationHandler.ClearCookies(http.Response, server);
            if (http.User.GetSessionId() is { } sessionId)
            {
                await keys.RevokeSessionAsync(sessionId, "logout", cancellationToken).ConfigureAwait(false);
                DashboardLog.SignedOut(loggers.CreateLogger(DashboardLog.Category), sessionId, http.User.GetUserId());
            }

            return Results.NoContent();
        }).WithName("BrowserSignOut").WithSummary("Dashboard sign-out: revokes the session and expires its cookies.").RequireSignedIn();

        return users;
    }
}
