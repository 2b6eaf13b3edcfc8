using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

using Outpost.Server.Connections;

namespace Outpost.Server.Sessions;

internal static class SessionsServiceCollectionExtensions
{
    /// <summary>The session relay: tickets, the dial bus, the registry of relayed sessions, the connection log.</summary>
    public static IServiceCollection AddSessionRelay(this IServiceCollection services, SessionRelayOptions? options = null)
    {
        services.TryAddSingleton(options ?? new SessionRelayOptions());
        services.AddSingleton<SessionTickets>();
        services.AddSingleton<DirectTicketKeys>();
        services.AddSingleton<SessionRelayHub>();
        services.AddSingleton<SessionAccess>();
        services.TryAddSingleton<ConnectionLogStore>();
        services.AddSingleton<ConnectionLogSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<ConnectionLogSweeper>());
        services.AddHostedService<SessionDialBus>();
        return services;
    }
}
