using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Outpost.Server.Pubsub;

internal static class PubsubServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PostgresPubsub"/> as <see cref="IPubsub"/> (a singleton the host
    /// disposes at shutdown). Needs an <see cref="NpgsqlDataSource"/> in the container; uses the
    /// container's <see cref="TimeProvider"/> when there is one. The listener connects on first use.
    /// </summary>
    public static IServiceCollection AddPubsub(this IServiceCollection services, Action<PubsubOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PubsubOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubsubOptions>, PubsubOptionsValidator>());
        services.TryAddSingleton(provider => new PostgresPubsub(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<IOptions<PubsubOptions>>().Value,
            provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetRequiredService<ILogger<PostgresPubsub>>()));
        services.TryAddSingleton<IPubsub>(provider => provider.GetRequiredService<PostgresPubsub>());
        PubsubMetrics.EnsureInstruments();
        return services;
    }
}
