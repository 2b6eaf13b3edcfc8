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

    /// <summary>How long the agent waits for the server to answer its close at shutdown.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
