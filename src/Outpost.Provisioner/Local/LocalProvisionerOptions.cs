namespace Outpost.Provisioner.Local;

internal sealed record LocalProvisionerOptions
{
    /// <summary>Absolute; each workspace gets <c>&lt;WorkspacesDirectory&gt;/&lt;workspace id&gt;</c>.</summary>
    public required string WorkspacesDirectory { get; init; }

    /// <summary>The agent's argv; the provisioner adds nothing to it but the environment.</summary>
    public required IReadOnlyList<string> AgentCommand { get; init; }

    /// <summary>When set, agents reach the server here instead of at the job's access URL.</summary>
    public string? AccessUrl { get; init; }

    /// <summary>Added to an agent's shutdown script timeout before it is killed: the agent needs a moment to report and exit after its script.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An agent's output file is rotated (to <c>.1</c>) when a start finds it larger than this.</summary>
    public long MaxAgentLogBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary>The sandbox every agent runs in; null runs agents as the daemon's own processes (no isolation).</summary>
    public LocalSandbox? Sandbox { get; init; }

    public Templates.ArchiveLimits ArchiveLimits { get; init; } = Templates.ArchiveLimits.Default;
}
