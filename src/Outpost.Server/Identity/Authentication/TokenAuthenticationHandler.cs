using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outpost.Sdk;
using Outpost.Server.Http;
using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Identity.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> (or the <c>Outpost-Session-Token</c>
/// header) against <c>api_keys</c>, and answers 401/403 as problem details that say why.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OutpostToken";
    public const string SessionTokenHeader = "Outpost-Session-Token";
    private const string RejectionItem = "outpost.token_rejection";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Agent tokens are not user credentials: the agent API checks them itself. Trying them here
        // would cost an api_keys lookup and a "not authenticated" log line per agent request.
        var presented = Request.Path.StartsWithSegments(Sdk.Agents.AgentApi.Prefix, StringComparison.OrdinalIgnoreCase) ? null : ReadToken(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var (key, rejection) = await keys.AuthenticateAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            Context.Items[RejectionItem] = rejection;
            return AuthenticateResult.Fail(Describe(rejection));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(IdentityClaims.Principal(key, SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Response.HasStarted)
        {
            // The cookie scheme already said why a browser's request was refused.
            return;
        }

        var rejection = Context.Items.TryGetValue(RejectionItem, out var value) && value is TokenRejection r ? r : (TokenRejection?)null;
        var detail = rejection is { } known
            ? Describe(known)
            : "authentication required: log in with `outpost login <url>`, or send a token as `Authorization: Bearer <token>`";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = rejection is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{detail.Replace("\"", "'", StringComparison.Ordinal)}\"";
        await WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", detail, rejection is null ? ProblemCodes.Unauthorized : ProblemCodes.TokenInvalid).ConfigureAwait(false);
    }

    internal static string? ReadToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        var header = request.Headers[SessionTokenHeader].ToString();
        return header.Length > 0 ? header : null;
    }

    internal static string Describe(TokenRejection rejection) => rejection switch
    {
        TokenRejection.Malformed => "the token is malformed; expected <id>-<secret>",
        TokenRejection.Unknown => "the token is not recognized",
        TokenRejection.Expired => "the token has expired",
        TokenRejection.Revoked => "the token has been revoked",
        TokenRejection.WrongKind => "a refresh token cannot authenticate requests; exchange it at POST /oauth2/token",
        TokenRejection.UserSuspended => "the user is suspended",
        _ => "the token was rejected",
    };

    internal static Task WriteProblemAsync(HttpContext context, int status, string title, string detail, string? code = null) =>
        Problems.WriteAsync(context, status, title, detail, code ?? ProblemCodes.ForStatus(status));
}
