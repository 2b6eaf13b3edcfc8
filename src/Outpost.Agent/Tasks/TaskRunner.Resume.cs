using Outpost.Agent.ControlPlane;
using Outpost.Sdk.Tasks;

namespace Outpost.Agent.Tasks;

/// <summary>
/// Where a task agent starts: on a task that already ran (the workspace restarted, the agent was replaced) it rebuilds
/// the conversation from the server's messages and reads its inbox only after the last thing the previous agent
/// answered or the user stopped, so the prompt is never run twice; and the run's completion (<c>task_complete</c>).
/// </summary>
internal sealed partial class TaskRunner
{
    /// <summary>The summary <c>task_complete</c> gave in the current run; the run then ends <c>completed</c>, not <c>idle</c>.</summary>
    private string? _completion;

    /// <summary>Retries of a failed conversation read.</summary>
    public Backoff ResumeBackoff { get; init; } = Backoff.Default();

    /// <summary>
    /// Reads the conversation so far (retrying until it is read) and reports where a resumed task stands; the inbox's
    /// resume point, or null when the agent shut down first.
    /// </summary>
    private async Task<long?> ResumeAsync(CancellationToken delivery, CancellationToken shutdown)
    {
        AgentTaskConversation conversation;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var result = await _channel.GetConversationAsync(shutdown).ConfigureAwait(false);
                if (result.Value is { } read)
                {
                    conversation = read;
                    break;
                }

                var delay = ResumeBackoff.Delay(attempt);
                TaskResumeLog.ConversationUnread(_logger, _settings.TaskId, result.Failure!.Message, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, shutdown).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            return null;
        }

        if (conversation.ResumeAfter == 0)
        {
            // A new task: the prompt is the inbox's first message.
            return 0;
        }

        foreach (var message in TaskConversationRebuild.ToChat(conversation.Messages, conversation.Truncated))
        {
            _conversation.Add(message);
        }

        TaskResumeLog.Resumed(_logger, _settings.TaskId, conversation.Messages.Count, conversation.ResumeAfter, conversation.Truncated);

        // This build's agent has not reported yet (the task shows initializing): say where it stands. A pending follow-up
        // in the inbox starts a run, which reports working at once.
        if (conversation.LastStatus == AiTaskStatus.Completed)
        {
            await ReportAsync(AiTaskStatus.Completed, conversation.LastReason, delivery).ConfigureAwait(false);
        }
        else
        {
            await ReportAsync(AiTaskStatus.Idle, "the agent restarted; waiting for a message", delivery).ConfigureAwait(false);
        }

        return conversation.ResumeAfter;
    }
}

/// <summary>
/// The model's conversation rebuilt from stored task messages. The server keeps summaries of tool calls and results, not
/// the calls themselves, so everything between two user messages becomes one assistant message that tells the model what
/// it said and did, in order.
/// </summary>
internal static class TaskConversationRebuild
{
    /// <summary>Stands after the prompt when older messages were not restored.</summary>
    public const string TruncatedNote = "[earlier messages of this task were not restored after the agent restarted]";

    public static List<ChatMessage> ToChat(IReadOnlyList<TaskMessage> messages, bool truncated)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var chat = new List<ChatMessage>();
        var turn = new List<string>();
        void EndTurn()
        {
            if (turn.Count > 0)
            {
                chat.Add(ChatMessage.Assistant(string.Join('\n', turn), null));
                turn.Clear();
            }
        }

        foreach (var message in messages)
        {
            switch (message.Kind)
            {
                case TaskMessageKind.User:
                    EndTurn();
                    chat.Add(ChatMessage.User(message.Content));
                    if (truncated && message.Sequence == 1)
                    {
                        chat.Add(ChatMessage.Assistant(TruncatedNote, null));
                    }

                    break;
                case TaskMessageKind.Assistant:
                    turn.Add(message.Content);
                    break;
                case TaskMessageKind.ToolCall:
                    turn.Add($"[called {message.ToolName}: {message.Content}]");
                    break;
                case TaskMessageKind.ToolResult:
                    turn.Add($"[{message.ToolName} answered: {message.Content}]");
                    break;
                default:
                    turn.Add($"[{message.Content}]");
                    break;
            }
        }

        EndTurn();
        return chat;
    }
}
