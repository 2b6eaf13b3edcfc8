using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Tasks;

/// <summary>AI tasks and seats log events (the 4700 block).</summary>
internal static partial class TasksLog
{
    public const string Category = "Outpost.Server.Tasks";

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 1, Level = LogLevel.Information, Message = "Task {TaskId} created by {UserId} with workspace {WorkspaceId} from template {TemplateName}")]
    public static partial void TaskCreated(ILogger logger, Guid taskId, Guid userId, Guid workspaceId, string templateName);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 2, Level = LogLevel.Information, Message = "Task {TaskId} refused: template {TemplateName} declares no task agent")]
    public static partial void NoTaskAgent(ILogger logger, Guid taskId, string templateName);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 3, Level = LogLevel.Information, Message = "Task {TaskId} sent a message ({Sequence}) by {UserId}")]
    public static partial void MessageSent(ILogger logger, Guid taskId, long sequence, Guid userId);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 4, Level = LogLevel.Information, Message = "Task {TaskId} stop requested by {UserId}")]
    public static partial void StopRequested(ILogger logger, Guid taskId, Guid userId);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 5, Level = LogLevel.Information, Message = "Task {TaskId} delete requested by {UserId}: workspace {WorkspaceId} delete build {BuildNumber}")]
    public static partial void DeleteRequested(ILogger logger, Guid taskId, Guid userId, Guid workspaceId, int buildNumber);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 6, Level = LogLevel.Information, Message = "Task {TaskId} agent {AgentId} reported {Status}: {Reason}")]
    public static partial void StatusReported(ILogger logger, Guid taskId, Guid agentId, string status, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 7, Level = LogLevel.Debug, Message = "Task {TaskId} agent {AgentId} appended {Count} message(s) up to {Sequence}")]
    public static partial void MessagesAppended(ILogger logger, Guid taskId, Guid agentId, int count, long sequence);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 51, Level = LogLevel.Information, Message = "AI seat taken by user {UserId}: {Description}")]
    public static partial void SeatTaken(ILogger logger, Guid userId, string description);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 52, Level = LogLevel.Debug, Message = "AI seat of user {UserId} not rewritten: written within the database window")]
    public static partial void SeatWriteSkipped(ILogger logger, Guid userId);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 53, Level = LogLevel.Warning, Message = "AI seat of user {UserId} could not be written (retried after 10 minutes): {Error}")]
    public static partial void SeatWriteFailed(ILogger logger, Guid userId, string error);

    [LoggerMessage(EventId = OutpostEventIds.Tasks + 54, Level = LogLevel.Warning, Message = "AI seats could not be counted for the gauge: {Error}")]
    public static partial void SeatCountFailed(ILogger logger, string error);
}
