namespace Outpost.Sdk.Agents;

/// <summary>What a row of the connection log records; its wire name is the <c>type</c> column.</summary>
public enum ConnectionType
{
    /// <summary>An agent's control-plane connection to the server (<c>control_plane</c>).</summary>
    ControlPlane,

    /// <summary>A session opened by <c>outpost ssh</c>: a terminal, or a command after <c>--</c> (<c>ssh</c>).</summary>
    Ssh,

    /// <summary>A terminal session opened by another client (<c>pty</c>).</summary>
    Pty,

    /// <summary>A command session opened by another client (<c>exec</c>).</summary>
    Exec,

    /// <summary>A tcp session: one forwarded connection (<c>port_forward</c>).</summary>
    PortForward,

    /// <summary>A ping session of <c>outpost ping</c>: round trips to the agent, no workspace data (<c>ping</c>).</summary>
    Ping,
}
