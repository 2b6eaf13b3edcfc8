using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Provisionerd;

internal static class ProvisionerdServiceCollectionExtensions
{
    /// <summary>The provisioner daemon API: keys, the acquire long poll, and job updates and completions.</summary>
    public static IServiceCollection AddProvisionerd(this IServiceCollection services)
    {
        services.AddSingleton<AcquireWaiters>();
        services.AddSingleton<DaemonJobs>();
        services.AddSingleton<InternalProvisionerKey>();
        services.AddSingleton<ProvisionerKeyStore>();
        services.AddSingleton<ProvisionerDaemonStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapProvisionerd(this IEndpointRouteBuilder routes)
    {
        routes.MapProvisionerKeyEndpoints();
        routes.MapProvisionerdEndpoints();
        return routes;
    }
}
