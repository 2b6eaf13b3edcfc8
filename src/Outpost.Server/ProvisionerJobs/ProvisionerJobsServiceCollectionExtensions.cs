using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.ProvisionerJobs;

internal static class ProvisionerJobsServiceCollectionExtensions
{
    /// <summary>The job queue: its claims, the reaper of hung and stale jobs, and the queue's metrics.</summary>
    public static IServiceCollection AddProvisionerJobs(this IServiceCollection services)
    {
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobReaper>();
        services.AddHostedService(provider => provider.GetRequiredService<JobReaper>());
        QueueMetrics.EnsureInstruments();
        return services;
    }
}
