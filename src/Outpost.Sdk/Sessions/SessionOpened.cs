namespace Outpost.Sdk.Sessions;

/// <summary>The agent's answer to the header: the session runs.</summary>
public sealed record SessionOpened
{
    /// <summary>pty: the terminal's id, to reconnect with.</summary>
    public Guid? ReconnectId { get; init; }

    /// <summary>pty: true when this is an existing terminal (its scrollback follows as output).</summary>
    public bool Reconnected { get; init; }

    /// <summary>pty: how many bytes of scrollback are replayed before live output.</summary>
    public int ReplayedBytes { get; init; }
}
