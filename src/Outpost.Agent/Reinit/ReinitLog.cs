using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent.Reinit;

/// <summary>The agent's reinitialisation events (4850–4899 of the prebuilds block).</summary>
internal static partial class ReinitLog
{
    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 50, Level = LogLevel.Information, Message = "agent reinitializing: workspace {WorkspaceId} was claimed by {OwnerId}")]
    public static partial void Reinitializing(ILogger logger, Guid workspaceId, Guid ownerId);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 51, Level = LogLevel.Information, Message = "Ignoring a repeated reinit event for owner {OwnerId}: the agent already reinitialised for them")]
    public static partial void Duplicate(ILogger logger, Guid ownerId);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 52, Level = LogLevel.Information, Message = "The workspace is not a prebuild ({Detail}); the agent stops waiting for reinitialisation")]
    public static partial void NotAPrebuild(ILogger logger, string detail);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 53, Level = LogLevel.Debug, Message = "Waiting for reinitialisation failed (attempt {Attempt}): {Error}; retrying in {DelayMs} ms")]
    public static partial void WaitFailed(ILogger logger, int attempt, string error, long delayMs);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 54, Level = LogLevel.Information, Message = "Agent restarted for its new owner; the reinit loop has stopped")]
    public static partial void Reinitialized(ILogger logger);
}
