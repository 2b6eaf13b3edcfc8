using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Outpost.Server.Identity.Authentication;

namespace Outpost.Server.Identity.Authorization;

/// <summary>An endpoint's declaration: the caller's role must grant this permission (on at least its own objects).</summary>
internal sealed record PermissionRequirement(ResourceType Resource, PermissionAction Action) : IAuthorizationRequirement;

internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.Resource is HttpContext http && http.User.Identity?.IsAuthenticated == true
            && http.GetSubject().CanAtLeastOwn(requirement.Resource, requirement.Action))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>How endpoints declare who may call them.</summary>
internal static class EndpointAuthorization
{
    /// <summary>Any signed-in user.</summary>
    public static TBuilder RequireSignedIn<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder([.. CallerPolicies.UserSchemes]).RequireAuthenticatedUser().Build());

    /// <summary>A signed-in user whose role grants the permission; object-level checks stay in the endpoint.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, ResourceType resource, PermissionAction action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder([.. CallerPolicies.UserSchemes])
            .RequireAuthenticatedUser()
            .AddRequirements(new PermissionRequirement(resource, action))
            .Build());
}

/// <summary>Turns an authorization refusal into a problem-details 403 that names the missing permission.</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<PermissionRequirement>().FirstOrDefault();
            var detail = missing is null
                ? "you are not allowed to do this"
                : $"your role ({context.User.FindFirst(IdentityClaims.Role)?.Value}) may not {missing.Action.ToString().ToLowerInvariant()} {missing.Resource}";
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await TokenAuthenticationHandler.WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden", detail).ConfigureAwait(false);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
    }
}
