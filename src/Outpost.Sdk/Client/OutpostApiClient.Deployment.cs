using Outpost.Sdk.Diagnostics;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    /// <summary>The deployment's health as the server sees it (owners and admins; others get 403).</summary>
    public Task<DeploymentHealth> GetDeploymentHealthAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, DeploymentHealthApi.Path[1..], null, DeploymentHealthJsonContext.Default.DeploymentHealth, cancellationToken);
}
