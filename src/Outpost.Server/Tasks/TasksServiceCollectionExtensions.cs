using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Tasks;

internal static class TasksServiceCollectionExtensions
{
    /// <summary>AI tasks and seats: the stores, the task service, the seat tracker and the seat gauge's refresher.</summary>
    public static IServiceCollection AddTasks(this IServiceCollection services)
    {
        services.AddSingleton<TaskStore>();
        services.AddSingleton<TaskService>();
        services.AddSingleton<AiSeatStore>();
        services.AddSingleton<AiSeatTracker>();
        services.AddHostedService<AiSeatGaugeRefresher>();
        AiSeatMetrics.EnsureInstruments();
        TaskRunMetrics.EnsureInstruments();
        services.AddSingleton<TaskExporter>();
        return services;
    }

    /// <summary>The user's task routes, the AI seat list and the task agent's routes.</summary>
    public static IEndpointRouteBuilder MapTasks(this IEndpointRouteBuilder routes)
    {
        routes.MapTaskEndpoints();
        routes.MapAgentTaskEndpoints();
        return routes;
    }
}
