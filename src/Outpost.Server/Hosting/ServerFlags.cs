namespace Outpost.Server.Hosting;

/// <summary>The raw, unvalidated values of the <c>outpost server</c> flags (flag, else environment).</summary>
public sealed record ServerFlags
{
    /// <summary>--http-address: host:port to bind.</summary>
    public string? HttpAddress { get; init; }

    /// <summary>--access-url: the URL users and workspaces reach the server at.</summary>
    public string? AccessUrl { get; init; }

    /// <summary>--postgres-url: an existing PostgreSQL; none starts an embedded one.</summary>
    public string? PostgresUrl { get; init; }

    /// <summary>--data-dir: server state and the embedded PostgreSQL.</summary>
    public string? DataDir { get; init; }

    /// <summary>--provisioner-daemons: how many built-in daemons run (0 for none).</summary>
    public string? ProvisionerDaemons { get; init; }

    /// <summary>--prometheus-address: serve /metrics without authentication here.</summary>
    public string? PrometheusAddress { get; init; }

    /// <summary>--prometheus-user-labels: false drops labels that name users and workspaces.</summary>
    public string? PrometheusUserLabels { get; init; }

    /// <summary>--local-provisioner-unsandboxed: run local workspaces without bubblewrap.</summary>
    public string? LocalProvisionerUnsandboxed { get; init; }

    /// <summary>--log-format: auto, human or json.</summary>
    public string? LogFormat { get; init; }
}
