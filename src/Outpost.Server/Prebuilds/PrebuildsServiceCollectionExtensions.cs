using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Prebuilds;

internal static class PrebuildsServiceCollectionExtensions
{
    /// <summary>Prebuilt workspaces: the pools' view, the reconciler (a hosted service) and their metrics.</summary>
    public static IServiceCollection AddPrebuilds(this IServiceCollection services)
    {
        services.AddSingleton<PrebuildPools>();
        services.AddSingleton<PrebuildReconciler>();
        services.AddHostedService(provider => provider.GetRequiredService<PrebuildReconciler>());
        PrebuildMetrics.EnsureInstruments();
        return services;
    }

    /// <summary>The presets endpoints (users) and the reinit stream (agents).</summary>
    public static IEndpointRouteBuilder MapPrebuilds(this IEndpointRouteBuilder routes)
    {
        routes.MapPresetEndpoints();
        routes.MapReinitEndpoint();
        return routes;
    }
}
