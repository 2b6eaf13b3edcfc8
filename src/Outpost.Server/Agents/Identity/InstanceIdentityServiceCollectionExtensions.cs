using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Agents.Identity;

internal static class InstanceIdentityServiceCollectionExtensions
{
    /// <summary>The instance-identity checkers of the three clouds, configured by <paramref name="options"/>.</summary>
    public static IServiceCollection AddInstanceIdentity(this IServiceCollection services, InstanceIdentityOptions options, Uri? accessUrl)
    {
        services.AddSingleton<InstanceIdentityStore>();
        services.AddSingleton(_ => new AwsIdentityVerifier(options.AwsCertificates()));
        services.AddSingleton(provider => new AzureIdentityVerifier(options.AzureRoots(), InstanceIdentityOptions.AzureSubjectNames, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(provider =>
        {
            var time = provider.GetRequiredService<TimeProvider>();
            var source = options.GoogleCertificates ?? GoogleIdentityKeys.DefaultUrl;
            var keys = InstanceIdentityOptions.IsUrl(source)
                ? GoogleIdentityKeys.FromUrl(new Uri(source), new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, time)
                : GoogleIdentityKeys.FromFile(source, time) is { Keys: { } read } ? read
                : throw new InvalidOperationException($"{InstanceIdentityOptions.GoogleVariable}: {source} could be read when the server started and cannot now");
            var audience = options.GoogleAudience ?? accessUrl?.ToString().TrimEnd('/') ?? InstanceIdentityOptions.FallbackAudience;
            return new GoogleIdentityVerifier(keys, audience, time);
        });
        services.AddSingleton<InstanceIdentityService>();
        return services;
    }
}
