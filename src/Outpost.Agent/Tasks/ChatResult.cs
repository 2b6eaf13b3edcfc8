namespace Outpost.Agent.Tasks;

/// <summary>How a chat-completions call failed; the task's reason says it with the provider's status where there is one.</summary>
internal enum ChatFailureKind
{
    /// <summary>The provider answered an error status (401, 429, 5xx, …).</summary>
    Refused,

    /// <summary>No answer: the connection was refused or the name did not resolve.</summary>
    Unreachable,

    /// <summary>The connection broke in the middle of the stream.</summary>
    Reset,

    /// <summary>The stream ended cleanly but before a finish reason and <c>[DONE]</c>.</summary>
    EndedEarly,

    /// <summary>The stream was not server-sent events of chat-completion chunks.</summary>
    Malformed,

    /// <summary>No bytes arrived within the stall timeout.</summary>
    Stalled,
}

/// <summary>
/// A failed call as a value; <see cref="Message"/> never holds the API key. <see cref="Error"/> is what .NET threw (or
/// its stand-in), for run observability's fingerprint and transport cause only — never shown.
/// </summary>
internal sealed record ChatFailure(ChatFailureKind Kind, string Message, int? StatusCode = null, Exception? Error = null)
{
    public override string ToString() => Message;
}

/// <summary>One assistant turn as streamed: its text, the tool calls it asked for (in index order), and why it finished.</summary>
internal sealed record ChatTurn(string Text, IReadOnlyList<ChatToolCall> ToolCalls, string FinishReason);

/// <summary>A turn or a failure.</summary>
internal readonly record struct ChatResult(ChatTurn? Turn, ChatFailure? Failure)
{
    public static ChatResult Ok(ChatTurn turn) => new(turn, null);

    public static ChatResult Fail(ChatFailure failure) => new(null, failure);
}
