namespace Outpost.Server.Agents;

/// <summary>Limits and timings of the agent API.</summary>
internal sealed record AgentApiOptions
{
    /// <summary>
    /// No message for this long and the connection is considered dead (closed as a network error);
    /// also the inactivity timeout of the status rule (coder-spec §6).
    /// </summary>
    public TimeSpan InactivityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Heartbeats refresh <c>last_connected_at</c> at most this often per agent, so thousands of agents
    /// do not turn into a write storm; it stays well inside <see cref="InactivityTimeout"/>.
    /// </summary>
    public TimeSpan HeartbeatWriteInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the heartbeats recorded since the last flush are written, all in one statement
    /// (<see cref="HeartbeatWriter"/>); <c>last_connected_at</c> lags by at most this plus <see cref="HeartbeatWriteInterval"/>.
    /// </summary>
    public TimeSpan HeartbeatFlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Log output kept per agent (bytes of text); past it lines are dropped and the agent is marked overflowed.</summary>
    public long MaxLogBytesPerAgent { get; init; } = 4 * 1024 * 1024;

    /// <summary>Lines accepted in one logs request.</summary>
    public int MaxLogLinesPerRequest { get; init; } = 1000;
}
