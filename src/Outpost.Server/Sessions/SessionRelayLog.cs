using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Sessions;

/// <summary>The session relay's log lines (ids 4500–4599). The end line carries the seed-001 fields.</summary>
internal static partial class SessionRelayLog
{
    public const string Category = "Outpost.Server.Sessions";

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 0, Level = LogLevel.Information,
        Message = "Relay {RelayId} opened: {Kind} session for agent {AgentId} of workspace {WorkspaceId} by user {UserId} from {ClientAddress}, path={Path}")]
    public static partial void Opened(ILogger logger, Guid relayId, string kind, Guid agentId, Guid workspaceId, Guid userId, string clientAddress, string path);

    /// <summary>The one end line of a relayed session; Information when expected, Warning otherwise.</summary>
    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 1,
        Message = "Relay {RelayId} ({Kind}) ended after {DurationSeconds:0.0} s, {BytesToAgent} bytes to the agent, {BytesToClient} bytes to the client, exit {ExitStatus}. connect_type={connect_type} disconnect_reason={disconnect_reason} disconnect_expected={disconnect_expected} disconnect_initiator={disconnect_initiator} disconnect_detail={disconnect_detail}")]
    public static partial void Ended(ILogger logger, LogLevel level, Guid relayId, string kind, double durationSeconds, long bytesToAgent, long bytesToClient, string exitStatus,
        string connect_type, string disconnect_reason, bool disconnect_expected, string disconnect_initiator, string disconnect_detail);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 2, Level = LogLevel.Warning,
        Message = "Session dial refused from {ClientAddress}: {Reason}")]
    public static partial void DialRefused(ILogger logger, string clientAddress, string reason);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 3, Level = LogLevel.Information,
        Message = "Asked agent {AgentId} on this replica to dial {RelayUrl}")]
    public static partial void DialDelivered(ILogger logger, Guid agentId, Uri relayUrl);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 4, Level = LogLevel.Warning,
        Message = "The session dial bus failed: {Reason}; resubscribing")]
    public static partial void BusFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 5, Level = LogLevel.Information,
        Message = "Closing {Count} relayed sessions: {Reason}")]
    public static partial void ClosingAll(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 6, Level = LogLevel.Warning,
        Message = "Closed {Count} connection-log rows left open by a replica that stopped vouching for them more than {StaleSeconds:0} s ago")]
    public static partial void AbandonedClosed(ILogger logger, int count, double staleSeconds);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 7, Level = LogLevel.Warning,
        Message = "Could not record {What} in the connection log: {Reason}")]
    public static partial void RecordFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 8, Level = LogLevel.Warning,
        Message = "Relay {RelayId}: agent {AgentId} lost its control-plane connection; the session ends with control_plane_lost unless it is back within {GraceSeconds:0} s")]
    public static partial void ControlPlaneLost(ILogger logger, Guid relayId, Guid agentId, double graceSeconds);

    [LoggerMessage(EventId = OutpostEventIds.SessionRelay + 9, Level = LogLevel.Information,
        Message = "Relay {RelayId}: agent {AgentId} has its control-plane connection back")]
    public static partial void ControlPlaneBack(ILogger logger, Guid relayId, Guid agentId);
}
