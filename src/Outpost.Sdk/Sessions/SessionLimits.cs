namespace Outpost.Sdk.Sessions;

/// <summary>The bounds every end of a session enforces.</summary>
public static class SessionLimits
{
    /// <summary>The largest payload of one frame; data is sent in chunks of at most this.</summary>
    public const int MaxPayloadBytes = 32 * 1024;

    /// <summary>The largest frame: the type byte, the 4-byte length and the payload.</summary>
    public const int MaxFrameBytes = SessionFrames.HeaderBytes + MaxPayloadBytes;

    /// <summary>The largest terminal, rows or columns.</summary>
    public const int MaxTerminalSide = 1000;

    /// <summary>The longest command.</summary>
    public const int MaxCommandLength = 8192;

    /// <summary>The most arguments.</summary>
    public const int MaxArgs = 1024;

    /// <summary>Why a terminal size is refused (naming the field), or null when it is fine.</summary>
    public static string? SizeProblem(int rows, int cols) =>
        rows is < 1 or > MaxTerminalSide ? $"rows: {rows} is outside 1-{MaxTerminalSide}"
        : cols is < 1 or > MaxTerminalSide ? $"cols: {cols} is outside 1-{MaxTerminalSide}"
        : null;
}
