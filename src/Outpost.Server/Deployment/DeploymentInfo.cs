using Npgsql;

namespace Outpost.Server.Deployment;

/// <summary>Facts about the deployment that every replica shares, read once at start.</summary>
internal sealed record DeploymentInfo(string DeploymentId)
{
    public static async Task<DeploymentInfo> LoadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT value FROM site_configs WHERE key = 'deployment_id'");
        var id = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        return new DeploymentInfo(id ?? throw new InvalidOperationException("site_configs has no deployment_id; migration 1 did not run."));
    }
}
