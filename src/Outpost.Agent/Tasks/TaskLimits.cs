namespace Outpost.Agent.Tasks;

/// <summary>The bounds of a run and its conversation, and how assistant text is batched into task messages.</summary>
internal sealed record TaskLimits
{
    /// <summary>Tool calls executed per run (one prompt or follow-up until the model stops); later calls are refused and the model must answer.</summary>
    public int MaxToolCallsPerRun { get; init; } = 50;

    /// <summary>A tool result as sent to the model, in characters; longer ones keep head and tail and say so.</summary>
    public int MaxToolResultChars { get; init; } = 16 * 1024;

    /// <summary>The conversation sent to the model, in characters; past it the oldest tool results and texts are replaced by a note.</summary>
    public int MaxConversationChars { get; init; } = 256 * 1024;

    /// <summary>A tool result or tool call as shown in the task's messages.</summary>
    public int MaxSummaryChars { get; init; } = 2 * 1024;

    /// <summary>Assistant text is sent once this much has gathered…</summary>
    public int FlushChars { get; init; } = 4 * 1024;

    /// <summary>…or this long after its first piece, or at a tool call or the end of a turn, whichever comes first.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the provider may send nothing before the run fails as stalled.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long the last messages and the final status may take to reach the server when the workspace stops.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
