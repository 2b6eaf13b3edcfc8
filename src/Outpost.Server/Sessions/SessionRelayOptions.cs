namespace Outpost.Server.Sessions;

/// <summary>The relay's timings and where agents dial back.</summary>
internal sealed record SessionRelayOptions
{
    /// <summary>This replica's URL as agents reach it; by default the first address the server listens on.</summary>
    public Uri? RelayUrl { get; init; }

    /// <summary>A ticket is good for this long after it is issued.</summary>
    public TimeSpan TicketLifetime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the relay waits for the agent to dial back.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client has to send its header.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long close frames may take.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often this replica vouches for its open connection-log rows and sweeps abandoned ones.</summary>
    public TimeSpan ConnectionHeartbeat { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An open row nobody vouched for this long belongs to a replica that stopped: it is closed.</summary>
    public TimeSpan ConnectionStaleAfter { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a session outlives its agent's lost control-plane connection before the relay closes it (control_plane_lost).</summary>
    public TimeSpan ControlPlaneGrace { get; init; } = TimeSpan.FromSeconds(30);
}
