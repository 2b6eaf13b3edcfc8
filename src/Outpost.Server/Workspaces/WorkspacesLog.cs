using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Workspaces;

/// <summary>Templates and workspaces log events (the 4000 block).</summary>
internal static partial class WorkspacesLog
{
    public const string Category = "Outpost.Server.Workspaces";

    [LoggerMessage(EventId = OutpostEventIds.Workspaces + 1, Level = LogLevel.Information, Message = "Workspace {WorkspaceId} ({WorkspaceName}) created by {UserId} from template {TemplateName}")]
    public static partial void WorkspaceCreated(ILogger logger, Guid workspaceId, string workspaceName, Guid userId, string templateName);

    [LoggerMessage(EventId = OutpostEventIds.Workspaces + 2, Level = LogLevel.Information, Message = "Build {BuildNumber} ({Transition}, {Reason}) of workspace {WorkspaceId} queued as job {JobId}")]
    public static partial void BuildQueued(ILogger logger, int buildNumber, string transition, string reason, Guid workspaceId, Guid jobId);

    [LoggerMessage(EventId = OutpostEventIds.Workspaces + 3, Level = LogLevel.Information, Message = "Build {BuildId} cancel requested by {UserId}; job is now {JobStatus}")]
    public static partial void BuildCanceled(ILogger logger, Guid buildId, Guid userId, string jobStatus);

    [LoggerMessage(EventId = OutpostEventIds.Workspaces + 4, Level = LogLevel.Information, Message = "Workspace {WorkspaceId} deleted by a successful delete build")]
    public static partial void WorkspaceDeleted(ILogger logger, Guid workspaceId);

    [LoggerMessage(EventId = OutpostEventIds.Workspaces + 5, Level = LogLevel.Warning, Message = "Build refused for workspace {WorkspaceId}: {Reason}")]
    public static partial void BuildRefused(ILogger logger, Guid workspaceId, string reason);
}
