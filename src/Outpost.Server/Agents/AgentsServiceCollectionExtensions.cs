using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Outpost.Server.Agents;

internal static class AgentsServiceCollectionExtensions
{
    /// <summary>The agent API: token authentication, manifest, logs and the control-plane hub.</summary>
    public static IServiceCollection AddAgentApi(this IServiceCollection services, AgentApiOptions? options = null)
    {
        services.TryAddSingleton(options ?? new AgentApiOptions());
        services.TryAddSingleton<Connections.ConnectionLogStore>();
        services.AddSingleton<AgentStore>();
        services.AddSingleton<AgentHistoryStore>();
        services.AddSingleton<SubAgentStore>();
        services.AddSingleton<ControlPlaneHub>();
        services.AddSingleton<HeartbeatWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<HeartbeatWriter>());
        AgentApiMetrics.EnsureInstruments();
        return services;
    }

    public static IEndpointRouteBuilder MapAgentApi(this IEndpointRouteBuilder routes) =>
        routes.MapAgentApiEndpoints().MapAgentHistoryEndpoints().MapSubAgentEndpoints();
}
