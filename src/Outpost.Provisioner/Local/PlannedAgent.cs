using Outpost.Provisioner.Environment;

namespace Outpost.Provisioner.Local;

/// <summary>An agent as a start build reports it to the server.</summary>
internal sealed record PlannedAgent
{
    public required string Name { get; init; }

    /// <summary>The <see cref="PlannedResource"/> the agent runs in (its <c>local_agent_process</c>).</summary>
    public required string ResourceName { get; init; }

    /// <summary>Absolute, or <c>~</c>-relative for the agent to expand against its home directory.</summary>
    public required string Directory { get; init; }

    public required string Os { get; init; }

    public required string Architecture { get; init; }

    /// <summary>The agent's own env, as declared; applied last when merging.</summary>
    public required IReadOnlyDictionary<string, string> Env { get; init; }

    /// <summary>The extra env entries for this agent, in declaration order.</summary>
    public required IReadOnlyList<ExtraEnv> ExtraEnvs { get; init; }

    /// <summary>The merged environment (null when empty), already checked for merge errors.</summary>
    public required IReadOnlyDictionary<string, string>? EnvironmentVariables { get; init; }

    public required IReadOnlyList<PlannedScript> Scripts { get; init; }

    public required IReadOnlyList<PlannedApp> Apps { get; init; }
}
