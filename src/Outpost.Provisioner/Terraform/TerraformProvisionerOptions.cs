namespace Outpost.Provisioner.Terraform;

internal sealed record TerraformProvisionerOptions
{
    /// <summary>Absolute; builds run in <c>&lt;WorkspacesDirectory&gt;/terraform/&lt;workspace id&gt;</c>.</summary>
    public required string WorkspacesDirectory { get; init; }

    /// <summary>The terraform binary; null when none was found (terraform jobs are then refused).</summary>
    public string? TerraformPath { get; init; }

    /// <summary>The argv that runs the outpost binary (the provider is <c>&lt;argv&gt; terraform-provider</c>, the agent <c>&lt;argv&gt; agent</c>).</summary>
    public required IReadOnlyList<string> OutpostCommand { get; init; }

    /// <summary>When set, agents reach the server here instead of at the job's access URL.</summary>
    public string? AccessUrl { get; init; }

    /// <summary>The longest one terraform command (init, plan, apply, show) may run.</summary>
    public TimeSpan StageTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long terraform gets after SIGINT before it is killed.</summary>
    public TimeSpan CancelGrace { get; init; } = TimeSpan.FromSeconds(30);

    public Templates.ArchiveLimits ArchiveLimits { get; init; } = Templates.ArchiveLimits.Default;
}
