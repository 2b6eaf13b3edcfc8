namespace Outpost.Agent.Tasks;

/// <summary>
/// The conversation with the model, kept under <see cref="TaskLimits.MaxConversationChars"/>: when it grows past the bound,
/// the oldest tool results and assistant texts (never the first prompt, never the last message) are replaced by a note
/// that tells the model what was removed.
/// </summary>
internal sealed class Conversation(int maxChars)
{
    public const string RemovedNote = "[removed: older content was dropped to keep the conversation under its size limit; run the tool again if you need it]";
    private readonly List<ChatMessage> _messages = [];

    public IReadOnlyList<ChatMessage> Messages => _messages;

    public int Size => _messages.Sum(m => m.Size);

    public void Add(ChatMessage message) => _messages.Add(message);

    /// <summary>Answers every tool call of the last assistant message that has no result yet (a run interrupted between a call and its result).</summary>
    public void CloseOpenToolCalls(string result)
    {
        var last = _messages.FindLastIndex(m => m.Role == "assistant");
        if (last < 0 || _messages[last].ToolCalls is not { } calls)
        {
            return;
        }

        var answered = _messages.Skip(last + 1).Where(m => m.Role == "tool").Select(m => m.ToolCallId).ToHashSet();
        foreach (var call in calls.Where(c => !answered.Contains(c.Id)))
        {
            _messages.Add(ChatMessage.Tool(call.Id, result));
        }
    }

    /// <summary>Elides old content until the conversation fits; returns how many messages were elided.</summary>
    public int Bound()
    {
        var size = Size;
        var elided = 0;
        for (var i = 1; i < _messages.Count - 1 && size > maxChars; i++)
        {
            var message = _messages[i];
            if (message.Role is not ("tool" or "assistant") || message.Content is null || message.Content == RemovedNote || message.Content.Length <= RemovedNote.Length)
            {
                continue;
            }

            _messages[i] = message with { Content = RemovedNote };
            size -= message.Content.Length - RemovedNote.Length;
            elided++;
        }

        return elided;
    }
}
