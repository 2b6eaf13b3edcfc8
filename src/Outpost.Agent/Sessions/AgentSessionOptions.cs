namespace Outpost.Agent.Sessions;

/// <summary>The agent's data-plane limits and timings.</summary>
internal sealed record AgentSessionOptions
{
    /// <summary>Open sessions (every kind, terminals without a client included) at most.</summary>
    public int MaxSessions { get; init; } = 64;

    /// <summary>Scrollback kept per terminal for replay after a reconnect.</summary>
    public int ScrollbackBytes { get; init; } = 64 * 1024;

    /// <summary>A terminal without a client is closed after this long.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a client has to send its header.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The port of the workspace's SSH server on 127.0.0.1, which <c>ssh</c> sessions reach (<c>OUTPOST_AGENT_SSH_PORT</c>).</summary>
    public int SshPort { get; init; } = DefaultSshPort;

    /// <summary>The SSH port unless configured.</summary>
    public const int DefaultSshPort = 22;

    /// <summary>How long a TCP dial inside the workspace (and, for ssh sessions, the server's greeting) may take.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Between SIGTERM (SIGHUP for a terminal) and SIGKILL to a session's process group.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a close frame and the WebSocket close may take.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
