namespace Outpost.Sdk.Sessions;

/// <summary>The first byte of every frame (see <see cref="SessionFrames"/>).</summary>
public enum SessionFrameType : byte
{
    /// <summary>Client → agent, first frame: the <see cref="SessionHeader"/> as JSON.</summary>
    Header = 1,

    /// <summary>Agent → client: the session is open; a <see cref="SessionOpened"/> as JSON.</summary>
    Opened = 2,

    /// <summary>Client → agent: bytes for the process's stdin, the terminal, or the TCP stream.</summary>
    Stdin = 3,

    /// <summary>Agent → client: bytes from stdout, the terminal, or the TCP stream.</summary>
    Stdout = 4,

    /// <summary>Agent → client: bytes from stderr (exec only).</summary>
    Stderr = 5,

    /// <summary>Client → agent: no more stdin (exec: the pipe is closed; tcp: the write side is shut down).</summary>
    StdinEof = 6,

    /// <summary>Client → agent: the terminal's new size, rows then columns, each a big-endian 16-bit number.</summary>
    Resize = 7,

    /// <summary>Client → agent: a signal for the process group, by name (<c>INT</c>, <c>TERM</c>, …) in UTF-8.</summary>
    Signal = 8,

    /// <summary>Agent → client: the process ended; a <see cref="SessionExit"/> as JSON.</summary>
    Exit = 9,

    /// <summary>Either way, last frame: why the session ends; a <see cref="SessionClose"/> as JSON.</summary>
    Close = 10,
}
