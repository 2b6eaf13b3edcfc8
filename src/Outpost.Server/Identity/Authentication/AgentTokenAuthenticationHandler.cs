using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outpost.Sdk;
using Outpost.Server.Agents;

namespace Outpost.Server.Identity.Authentication;

/// <summary>
/// Authenticates a workspace agent by its own token (<c>Authorization: Bearer &lt;agent token&gt;</c>)
/// against <c>workspace_agents</c>. Agent tokens are not user credentials: this scheme is used only
/// by the agent API's route group, and a user token presented there is simply not found.
/// </summary>
internal sealed class AgentTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, AgentStore agents)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "OutpostAgent";

    private readonly ILogger _refusals = loggers.CreateLogger(AgentApiLog.Category);

    // A handler instance serves one request, so the refusal found while authenticating is still
    // here when the challenge is written.
    private string? _refusal;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        var agent = token.Length == 0 ? null : await agents.FindByTokenAsync(token, Context.RequestAborted).ConfigureAwait(false);
        _refusal = token.Length == 0 ? "no agent token (Authorization: Bearer <token>)"
            : agent is null ? "agent token not found"
            : agent.WorkspaceDeleted ? "the agent's workspace has been deleted"
            : null;
        if (_refusal is not null)
        {
            AgentApiLog.Refused(_refusals, Request.Path, Context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _refusal);
            return AuthenticateResult.Fail(_refusal);
        }

        Context.Features.Set(new AuthenticatedAgent(agent!));
        var identity = new ClaimsIdentity(
        [
            new Claim(IdentityClaims.AgentId, agent!.Id.ToString()),
            new Claim(IdentityClaims.WorkspaceId, agent.WorkspaceId.ToString()),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return TokenAuthenticationHandler.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            _refusal ?? "no agent token (Authorization: Bearer <token>)", ProblemCodes.AgentTokenInvalid);
    }
}

/// <summary>The agent a request authenticated as; endpoints of the agent API take it as a parameter.</summary>
internal sealed record AuthenticatedAgent(AgentRecord Agent)
{
    /// <summary>Minimal-API binding: the agent the <see cref="AgentTokenAuthenticationHandler"/> found.</summary>
    public static ValueTask<AuthenticatedAgent?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<AuthenticatedAgent?>(context.Features.Get<AuthenticatedAgent>()
            ?? throw new InvalidOperationException("The endpoint does not require the workspace agent policy."));
    }
}
