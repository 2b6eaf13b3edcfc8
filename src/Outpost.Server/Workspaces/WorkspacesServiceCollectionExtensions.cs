using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Workspaces;

internal static class WorkspacesServiceCollectionExtensions
{
    /// <summary>Workspaces and their builds: the store and the build service.</summary>
    public static IServiceCollection AddWorkspaces(this IServiceCollection services)
    {
        services.AddSingleton<WorkspaceStore>();
        services.AddSingleton<WorkspaceBuilds>();
        return services;
    }

    /// <summary>Workspaces, their builds, watch streams and agents as users see them.</summary>
    public static IEndpointRouteBuilder MapWorkspaces(this IEndpointRouteBuilder routes)
    {
        routes.MapWorkspaceEndpoints();
        routes.MapWatchEndpoints();
        routes.MapAgentEndpoints();
        return routes;
    }
}
