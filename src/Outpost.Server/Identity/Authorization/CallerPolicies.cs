using Microsoft.AspNetCore.Authorization;
using Outpost.Server.Identity.Authentication;

namespace Outpost.Server.Identity.Authorization;

/// <summary>
/// One authorization policy per kind of caller, each bound to that caller's authentication scheme.
/// Every route group names one; endpoints of the user groups add the permission they need
/// (<see cref="EndpointAuthorization.RequirePermission"/>).
/// </summary>
internal static class CallerPolicies
{
    /// <summary>A signed-in user (an access token or an API token as a bearer, or a dashboard session cookie).</summary>
    public const string User = "outpost-user";

    /// <summary>The schemes a user authenticates with; the cookie's first, so a refused browser request is told why (CSRF, expired sign-in).</summary>
    public static readonly IReadOnlyList<string> UserSchemes = [CookieAuthenticationHandler.SchemeName, TokenAuthenticationHandler.SchemeName];

    /// <summary>A workspace agent with its own token.</summary>
    public const string WorkspaceAgent = "outpost-workspace-agent";

    /// <summary>A provisioner daemon with a provisioner key, acting as <see cref="SystemActors.Provisionerd"/>.</summary>
    public const string ProvisionerDaemon = "outpost-provisioner-daemon";

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(User, policy => policy.AddAuthenticationSchemes([.. UserSchemes]).RequireAuthenticatedUser());
        options.AddPolicy(WorkspaceAgent, policy => policy.AddAuthenticationSchemes(AgentTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        options.AddPolicy(ProvisionerDaemon, policy => policy.AddAuthenticationSchemes(ProvisionerKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireAssertion(_ => SystemActors.Provisionerd.Can(ResourceType.ProvisionerJob, PermissionAction.Update)));
    }
}
