using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Secrets;

/// <summary>User secrets: the key ring, the protector, the store, and what provisioner jobs take from them.</summary>
internal static class SecretsServiceCollectionExtensions
{
    public static IServiceCollection AddUserSecrets(this IServiceCollection services, SecretsKeyRing keys)
    {
        services.AddSingleton(keys);
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<UserSecretStore>();
        services.AddSingleton<BuildSecrets>();
        return services;
    }
}
