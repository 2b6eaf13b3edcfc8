using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
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
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        LoginRateLimits.AddAddressPolicy(services, options);
        return services;
    }

    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder routes)
    {
        var users = routes.MapGroup("/api/v2/users").WithTags("Identity");
        users.MapUserEndpoints();
        users.MapSessionEndpoints();
        users.MapApiTokenEndpoints();
        routes.MapOAuth2TokenEndpoint();
        return routes;
    }
}
