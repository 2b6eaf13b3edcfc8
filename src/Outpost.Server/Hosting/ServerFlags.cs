namespace Outpost.Server.Hosting;

/// <summary>The raw, unvalidated values of the <c>outpost server</c> flags (flag, else environment).</summary>
internal sealed record ServerFlags
{
    public string? HttpAddress { get; init; }

    public string? AccessUrl { get; init; }

    public string? PostgresUrl { get; init; }

    public string? DataDir { get; init; }

    public string? ProvisionerDaemons { get; init; }

    public string? PrometheusAddress { get; init; }

    public string? PrometheusUserLabels { get; init; }

    public string? LocalProvisionerUnsandboxed { get; init; }

    public string? LogFormat { get; init; }
}
