using Outpost.Sdk.Diagnostics;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    /// <summary>The deployment's health as the server sees it (owners and admins; others get 403).</summary>
    public Task<DeploymentHealth> GetDeploymentHealthAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, DeploymentHealthApi.Path[1..], null, DeploymentHealthJsonContext.Default.DeploymentHealth, cancellationToken);

    /// <summary>The newest <paramref name="lines"/> lines of each agent's logs, redacted by the server (for support bundles).</summary>
    public Task<WorkspaceSupportLogs> GetSupportLogsAsync(Guid workspaceId, int lines, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{SupportLogsApi.PathFor(workspaceId)[1..]}?lines={lines}", null, SupportLogsJsonContext.Default.WorkspaceSupportLogs, cancellationToken);
}
