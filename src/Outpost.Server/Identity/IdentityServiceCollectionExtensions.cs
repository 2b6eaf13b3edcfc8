using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Dashboard;
using Outpost.Server.Identity.ApiTokens;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Passwords;
using Outpost.Server.Identity.Sessions;
using Outpost.Server.Identity.Tokens;
using Outpost.Server.Identity.Users;

namespace Outpost.Server.Identity;

internal static class IdentityServiceCollectionExtensions
{
    public static IServiceCollection AddOutpostIdentity(this IServiceCollection services, IdentityOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(new PasswordHasher(options.PasswordHashIterations));
        services.AddSingleton<UserStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<LoginRateLimits>();
        // One scheme per kind of caller. Users' is the default (it runs on every request); the agent
        // and daemon schemes run only where a route group's policy names them.
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, CookieAuthenticationHandler>(CookieAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AgentTokenAuthenticationHandler>(AgentTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ProvisionerKeyAuthenticationHandler>(ProvisionerKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(CallerPolicies.Add);
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        LoginRateLimits.AddAddressPolicy(services, options);
        return services;
    }

    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder routes)
    {
        var users = routes.MapGroup("/api/v2/users").WithTags("Identity").RequireAuthorization(CallerPolicies.User);
        users.MapUserEndpoints();
        users.MapSessionEndpoints();
        users.MapApiTokenEndpoints();
        users.MapBrowserSessionEndpoints();
        routes.MapOAuth2TokenEndpoint();
        return routes;
    }
}
