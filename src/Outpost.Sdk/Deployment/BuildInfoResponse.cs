namespace Outpost.Sdk.Deployment;

/// <summary>The answer of <c>GET /api/v2/buildinfo</c>: which build of Outpost the server runs.</summary>
public sealed record BuildInfoResponse
{
    /// <summary>The semantic version of the server binary.</summary>
    public required string Version { get; init; }

    /// <summary>The source commit the binary was built from, or <c>unknown</c>.</summary>
    public required string Commit { get; init; }

    /// <summary>The identifier of this deployment, stable across restarts and replicas.</summary>
    public required string DeploymentId { get; init; }
}
