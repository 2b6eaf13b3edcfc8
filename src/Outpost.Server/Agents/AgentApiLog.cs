using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Agents;

/// <summary>
/// The server's agent API log events (ids 5101–5199). The disconnect line carries the seed-001 fields
/// as named template values after a sentence; tokens are never logged.
/// </summary>
internal static partial class AgentApiLog
{
    public const string Category = "Outpost.Server.Agents";

    [LoggerMessage(EventId = OutpostEventIds.Agent + 101, Level = LogLevel.Information,
        Message = "Agent {AgentName} ({AgentId}) of workspace {WorkspaceId} connected to the control plane (connection {ConnectionId}) connect_type={connect_type}")]
    public static partial void Connected(ILogger logger, string agentName, Guid agentId, Guid workspaceId, Guid connectionId, string connect_type);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 102,
        Message = "Agent {AgentId} disconnected from the control plane after {DurationSeconds:0.0} s (connection {ConnectionId}): {Summary}. connect_type={connect_type} disconnect_reason={disconnect_reason} disconnect_expected={disconnect_expected} disconnect_initiator={disconnect_initiator} disconnect_detail={disconnect_detail}")]
    public static partial void Disconnected(ILogger logger, LogLevel level, Guid agentId, double durationSeconds, Guid connectionId, string summary,
        string connect_type, string disconnect_reason, bool disconnect_expected, string disconnect_initiator, string disconnect_detail);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 103, Level = LogLevel.Information,
        Message = "Agent {AgentId} connected again (connection {NewConnectionId}); its older connection ({OldConnectionId}) is being closed")]
    public static partial void Replaced(ILogger logger, Guid agentId, Guid newConnectionId, Guid oldConnectionId);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 104, Level = LogLevel.Warning,
        Message = "Agent API request to {Path} from {RemoteAddress} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string path, string remoteAddress, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 105, Level = LogLevel.Information,
        Message = "Told agent {AgentId} to shut down: build {BuildId} ({Transition}) of workspace {WorkspaceId}")]
    public static partial void ShutdownSent(ILogger logger, Guid agentId, Guid buildId, string transition, Guid workspaceId);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 106, Level = LogLevel.Warning,
        Message = "Agent {AgentId} passed its log limit of {MaxBytes} bytes; {Dropped} lines were not stored")]
    public static partial void LogsOverflowed(ILogger logger, Guid agentId, long maxBytes, int dropped);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 107, Level = LogLevel.Warning,
        Message = "Could not record {Operation} for agent {AgentId}: {Reason}; the connection carries on")]
    public static partial void RecordFailed(ILogger logger, string operation, Guid agentId, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 108, Level = LogLevel.Information,
        Message = "Server shutting down: closing {Count} agent control-plane connections with 1001 server_shutdown")]
    public static partial void ClosingAll(ILogger logger, int count);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 109, Level = LogLevel.Information,
        Message = "Agent {AgentId} lifecycle {State} at {ChangedAt:O} (received {ReceivedAt:O})")]
    public static partial void Lifecycle(ILogger logger, Guid agentId, string state, DateTimeOffset changedAt, DateTimeOffset receivedAt);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 110, Level = LogLevel.Warning,
        Message = "Could not watch workspace {WorkspaceId} for stop builds for agent {AgentId}: {Reason}")]
    public static partial void WatchFailed(ILogger logger, Guid workspaceId, Guid agentId, string reason);
}
