using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent.Tasks;

/// <summary>The task agent's resume log lines (ids 5080–5083 of the agent process's block); none carries a message's content.</summary>
internal static partial class TaskResumeLog
{
    [LoggerMessage(EventId = OutpostEventIds.Agent + 80, Level = LogLevel.Information,
        Message = "Task {TaskId}: resumed with {Messages} earlier messages (truncated: {Truncated}); the inbox is read after message {After}")]
    public static partial void Resumed(ILogger logger, Guid taskId, int messages, long after, bool truncated);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 81, Level = LogLevel.Warning,
        Message = "Task {TaskId}: could not read the conversation so far: {Reason}; retrying in {DelayMs} ms")]
    public static partial void ConversationUnread(ILogger logger, Guid taskId, string reason, long delayMs);
}
