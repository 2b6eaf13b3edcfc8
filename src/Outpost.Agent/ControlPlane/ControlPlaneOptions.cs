namespace Outpost.Agent.ControlPlane;

/// <summary>The timings of the control-plane loop; tests shorten them, the agent uses the defaults.</summary>
internal sealed record ControlPlaneOptions
{
    public Backoff Backoff { get; init; } = Backoff.Default();

    /// <summary>How often stats are sent.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A connection that lasted this long resets the backoff; a shorter one (a server that accepts and
    /// drops at once) keeps growing it, so the agent never reconnects at full speed.
    /// </summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where in its interval a connection's first periodic heartbeat and stats fall, as a fraction in (0, 1], drawn
    /// per connection and per timer. Agents that connect together (a fleet after a server restart, a test rig)
    /// would otherwise heartbeat in phase for as long as they stay connected, in bursts the server must absorb at
    /// once; a random phase spreads them over the whole interval. The heartbeat sent on connecting is not delayed.
    /// </summary>
    public Func<double> PeriodicPhase { get; init; } = static () => 1 - Random.Shared.NextDouble();

    /// <summary>How long the agent waits for the server to answer its close at shutdown.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
