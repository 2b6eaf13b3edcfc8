using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent.Tasks;

/// <summary>The task agent's log lines (ids 5060–5079 of the agent process's block). No line carries the API key, a prompt or a file's content.</summary>
internal static partial class TaskAgentLog
{
    [LoggerMessage(EventId = OutpostEventIds.Agent + 60, Level = LogLevel.Information,
        Message = "Task {TaskId}: the coding agent starts with model {Model} at {ModelUrl} in {Directory}")]
    public static partial void Starting(ILogger logger, Guid taskId, string model, Uri modelUrl, string directory);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 61, Level = LogLevel.Error,
        Message = "Task {TaskId}: the coding agent cannot run: {Reason}")]
    public static partial void CannotRun(ILogger logger, Guid taskId, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 62, Level = LogLevel.Information,
        Message = "Task {TaskId}: run {Run} ended {Status} after {Turns} model turns and {ToolCalls} tool calls: {Reason}")]
    public static partial void RunEnded(ILogger logger, Guid taskId, int run, string status, int turns, int toolCalls, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 63, Level = LogLevel.Warning,
        Message = "Task {TaskId}: the provider failed ({Kind}, status {StatusCode}): {Reason}")]
    public static partial void ProviderFailed(ILogger logger, Guid taskId, string kind, int? statusCode, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 64, Level = LogLevel.Warning,
        Message = "Task messages lost: {Count} could not be delivered: {Reason}")]
    public static partial void MessagesLost(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 65, Level = LogLevel.Warning,
        Message = "Task {TaskId}: could not report status {Status}: {Reason}")]
    public static partial void StatusNotReported(ILogger logger, Guid taskId, string status, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 66, Level = LogLevel.Error,
        Message = "Task {TaskId}: tool {Tool} threw; the model is told it failed")]
    public static partial void ToolThrew(ILogger logger, Guid taskId, string tool, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 67, Level = LogLevel.Warning,
        Message = "Task {TaskId}: the inbox broke: {Reason}; reopening after message {After} in {DelayMs} ms")]
    public static partial void InboxBroken(ILogger logger, Guid taskId, string reason, long after, long delayMs);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 68, Level = LogLevel.Information,
        Message = "Task {TaskId}: a stop was requested")]
    public static partial void StopRequested(ILogger logger, Guid taskId);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 69, Level = LogLevel.Error,
        Message = "Task {TaskId}: the coding loop crashed; the workspace agent carries on without it")]
    public static partial void LoopCrashed(ILogger logger, Guid taskId, Exception exception);
}
