namespace Outpost.Agent.Tasks;

/// <summary>
/// What a chat stream did, without what it said (run observability, issue 23, spec §8.2): text arrived, a tool call's
/// input began or grew, the calls became whole when the finish reason came. Called on the stream's reading task.
/// </summary>
internal interface IChatStreamObserver
{
    /// <summary>Observes nothing.</summary>
    public static IChatStreamObserver None { get; } = new NoObserver();

    public void TextDelta();

    public void ToolInputStarted(int index);

    public void ToolInputDelta(int index);

    public void ToolCallsMaterialized(IReadOnlyList<ChatToolCall> calls);

    private sealed class NoObserver : IChatStreamObserver
    {
        public void TextDelta()
        {
        }

        public void ToolInputStarted(int index)
        {
        }

        public void ToolInputDelta(int index)
        {
        }

        public void ToolCallsMaterialized(IReadOnlyList<ChatToolCall> calls)
        {
        }
    }
}
