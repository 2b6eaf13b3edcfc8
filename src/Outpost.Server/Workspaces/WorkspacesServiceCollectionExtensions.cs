using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Files;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Provisionerd;
using Outpost.Server.Templates;

namespace Outpost.Server.Workspaces;

internal static class WorkspacesServiceCollectionExtensions
{
    /// <summary>Files, templates, workspaces, the job queue, the daemon API and the reaper.</summary>
    public static IServiceCollection AddWorkspaces(this IServiceCollection services)
    {
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<WorkspaceStore>();
        services.AddSingleton<WorkspaceBuilds>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<AcquireWaiters>();
        services.AddSingleton<DaemonJobs>();
        services.AddSingleton<InternalProvisionerKey>();
        services.AddSingleton<ProvisionerKeyStore>();
        services.AddSingleton<JobReaper>();
        services.AddHostedService(provider => provider.GetRequiredService<JobReaper>());
        QueueMetrics.EnsureInstruments();
        return services;
    }

    public static IEndpointRouteBuilder MapWorkspaces(this IEndpointRouteBuilder routes)
    {
        routes.MapFileEndpoints();
        routes.MapTemplateEndpoints();
        routes.MapWorkspaceEndpoints();
        routes.MapWatchEndpoints();
        routes.MapAgentEndpoints();
        routes.MapProvisionerKeyEndpoints();
        routes.MapProvisionerdEndpoints();
        return routes;
    }
}
