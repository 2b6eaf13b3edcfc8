namespace Outpost.Provisioner.Local;

/// <summary>
/// One <c>outpost agent</c> process for apply to launch (on start) or end (on stop and delete).
/// Apply adds the agent's token to <see cref="Environment"/> when it launches the process.
/// </summary>
internal sealed record AgentProcessPlan
{
    public required string AgentName { get; init; }

    /// <summary>The process's current directory: always the workspace directory.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The process environment: one <c>OUTPOST_PARAM_*</c> variable per parameter, which scripts inherit.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>How long the agent's shutdown script may run before apply ends the process anyway; zero means no limit.</summary>
    public required TimeSpan ShutdownTimeout { get; init; }
}
