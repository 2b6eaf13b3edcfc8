using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Provisioner.Local;

/// <summary>The local provisioner's log events (ids 7050–7099). Agent tokens are never logged.</summary>
internal static partial class LocalLog
{
    private const int Base = OutpostEventIds.ProvisionerDaemon + 50;

    [LoggerMessage(EventId = Base, Level = LogLevel.Information,
        Message = "Started agent {Agent} (pid {Pid}) in {Directory}")]
    public static partial void AgentStarted(ILogger logger, string agent, int pid, string directory);

    [LoggerMessage(EventId = Base + 1, Level = LogLevel.Information,
        Message = "Sent {Signal} to agent {Agent} (pid {Pid})")]
    public static partial void AgentSignalled(ILogger logger, string agent, int pid, string signal);

    [LoggerMessage(EventId = Base + 2, Level = LogLevel.Warning,
        Message = "Pid {Pid} of agent {Agent} now belongs to another process; not signalling it")]
    public static partial void PidReused(ILogger logger, string agent, int pid);

    [LoggerMessage(EventId = Base + 3, Level = LogLevel.Information,
        Message = "Removed workspace directory {Directory}")]
    public static partial void DirectoryRemoved(ILogger logger, string directory);

    [LoggerMessage(EventId = Base + 4, Level = LogLevel.Warning,
        Message = "The start of workspace {WorkspaceId} failed after launching agents; stopping the {Count} it launched")]
    public static partial void RollingBack(ILogger logger, Guid workspaceId, int count);

    [LoggerMessage(EventId = Base + 5, Level = LogLevel.Warning,
        Message = "The previous state of workspace {WorkspaceId} could not be read ({Problem}); relying on the workspace directory's record")]
    public static partial void UnreadableState(ILogger logger, Guid workspaceId, string problem);
}
