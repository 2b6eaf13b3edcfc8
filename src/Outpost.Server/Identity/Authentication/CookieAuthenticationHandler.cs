using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outpost.Sdk;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Identity.Authentication;

/// <summary>
/// The dashboard's scheme: the access token of a browser session in the HttpOnly <see cref="SessionCookie"/>.
/// State-changing requests (anything but GET, HEAD and OPTIONS) must repeat the session's CSRF token in
/// <see cref="CsrfHeader"/> (a signed double submit: the token is an HMAC of the session cookie, which
/// scripts of other sites can neither read nor compute); WebSocket upgrades must come from the access URL's
/// origin. Bearer requests never reach this check: they authenticate through <see cref="TokenAuthenticationHandler"/>.
/// </summary>
internal sealed class CookieAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, ServerOptions server)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OutpostCookie";
    public const string SessionCookie = "outpost_session";
    public const string CsrfCookie = "outpost_csrf";
    public const string CsrfHeader = "Outpost-Csrf-Token";
    private const string RejectionItem = "outpost.cookie_rejection";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(SessionCookie, out var presented) || presented.Length == 0
            || Request.Path.StartsWithSegments(Sdk.Agents.AgentApi.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method) && !HttpMethods.IsOptions(Request.Method)
            && !CsrfMatches(presented, Request.Headers[CsrfHeader].ToString()))
        {
            return Reject(CookieRejection.Csrf, $"a signed-in browser's {Request.Method} must carry the session's CSRF token in the {CsrfHeader} header");
        }

        if (Context.WebSockets.IsWebSocketRequest && !SameOrigin(Request.Headers.Origin.ToString()))
        {
            return Reject(CookieRejection.Origin, "a signed-in browser's WebSocket must come from the dashboard's own origin");
        }

        var (key, rejection) = await keys.AuthenticateAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (key is null || key.Kind != ApiKeyStore.KindAccess)
        {
            return Reject(CookieRejection.Session, key is null ? $"your sign-in is no longer valid ({TokenAuthenticationHandler.Describe(rejection)}): sign in again" : "the session cookie does not hold an access token: sign in again");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(IdentityClaims.Principal(key, SchemeName), SchemeName));
    }

    /// <summary>Answers for a refused cookie; without a cookie the bearer scheme's challenge speaks.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[RejectionItem] is not (CookieRejection rejection, string detail) || Response.HasStarted)
        {
            return;
        }

        var (status, code) = rejection switch
        {
            CookieRejection.Csrf => (StatusCodes.Status403Forbidden, ProblemCodes.CsrfTokenInvalid),
            CookieRejection.Origin => (StatusCodes.Status403Forbidden, ProblemCodes.Forbidden),
            _ => (StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid),
        };
        Response.StatusCode = status;
        await TokenAuthenticationHandler.WriteProblemAsync(Context, status, status == StatusCodes.Status403Forbidden ? "Forbidden" : "Unauthorized", detail, code).ConfigureAwait(false);
    }

    /// <summary>The CSRF token of a session cookie: HMAC-SHA256 keyed by the cookie, base64url.</summary>
    internal static string CsrfTokenFor(string sessionCookie) =>
        Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sessionCookie), "outpost-dashboard-csrf"u8));

    /// <summary>Writes the two cookies of a new browser session.</summary>
    internal static void SetCookies(HttpResponse response, ServerOptions server, string accessToken, DateTimeOffset expiresAt)
    {
        var secure = server.AccessUrl?.Scheme == Uri.UriSchemeHttps;
        response.Cookies.Append(SessionCookie, accessToken, new CookieOptions
        {
            HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Lax, Path = "/", Expires = expiresAt, IsEssential = true,
        });
        // Readable by the dashboard's script (it copies it into the header); useless without the session cookie.
        response.Cookies.Append(CsrfCookie, CsrfTokenFor(accessToken), new CookieOptions
        {
            HttpOnly = false, Secure = secure, SameSite = SameSiteMode.Strict, Path = "/", Expires = expiresAt, IsEssential = true,
        });
    }

    /// <summary>Expires both cookies.</summary>
    internal static void ClearCookies(HttpResponse response, ServerOptions server)
    {
        var secure = server.AccessUrl?.Scheme == Uri.UriSchemeHttps;
        response.Cookies.Delete(SessionCookie, new CookieOptions { HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Lax, Path = "/" });
        response.Cookies.Delete(CsrfCookie, new CookieOptions { Secure = secure, SameSite = SameSiteMode.Strict, Path = "/" });
    }

    private static bool CsrfMatches(string sessionCookie, string presented) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(CsrfTokenFor(sessionCookie)), Encoding.ASCII.GetBytes(presented));

    private bool SameOrigin(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var presented))
        {
            return false;
        }

        var expected = server.AccessUrl ?? new Uri($"{Request.Scheme}://{Request.Host}");
        return string.Equals(presented.GetLeftPart(UriPartial.Authority), expected.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
    }

    private AuthenticateResult Reject(CookieRejection rejection, string detail)
    {
        Context.Items[RejectionItem] = (rejection, detail);
        if (rejection != CookieRejection.Session)
        {
            Dashboard.DashboardLog.BrowserRequestRefused(Logger, rejection == CookieRejection.Csrf ? "csrf token missing or wrong" : "websocket from another origin", Request.Method);
        }

        return AuthenticateResult.Fail(detail);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private enum CookieRejection
    {
        Session,
        Csrf,
        Origin,
    }
}
