namespace Outpost.Sdk.Sessions;

/// <summary>What a data-plane session carries.</summary>
public enum SessionKind
{
    /// <summary>A command with its stdin, stdout and stderr kept apart and its exit status.</summary>
    Exec,

    /// <summary>A reconnecting pseudo-terminal running the user's login shell (or a command).</summary>
    Pty,

    /// <summary>A byte stream to a TCP port inside the workspace.</summary>
    Tcp,

    /// <summary>A byte stream to the workspace's SSH server: the agent's configured SSH port (22 unless set).</summary>
    Ssh,

    /// <summary>Round trips to the agent itself: it answers every stdin frame with a stdout frame of the same bytes (<c>outpost ping</c>).</summary>
    Ping,
}
