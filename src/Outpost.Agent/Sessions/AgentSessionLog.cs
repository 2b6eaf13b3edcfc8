using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent.Sessions;

/// <summary>The agent's data-plane log lines (ids 5150–5199). The end line carries the seed-001 fields.</summary>
internal static partial class AgentSessionLog
{
    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 0, Level = LogLevel.Information,
        Message = "Session {SessionId} opened: {Kind} (open sessions {OpenSessions}) connect_type={connect_type}")]
    public static partial void Opened(ILogger logger, Guid sessionId, string kind, int openSessions, string connect_type);

    /// <summary>The one end line of a session or a terminal attachment; Information when expected, Warning otherwise.</summary>
    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 1,
        Message = "Session {SessionId} ({Kind}) ended after {DurationSeconds:0.0} s, {BytesIn} bytes in, {BytesOut} bytes out. connect_type={connect_type} disconnect_reason={disconnect_reason} disconnect_expected={disconnect_expected} disconnect_initiator={disconnect_initiator} disconnect_detail={disconnect_detail}")]
    public static partial void Ended(ILogger logger, LogLevel level, Guid sessionId, string kind, double durationSeconds, long bytesIn, long bytesOut,
        string connect_type, string disconnect_reason, bool disconnect_expected, string disconnect_initiator, string disconnect_detail);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 2, Level = LogLevel.Warning,
        Message = "Session refused: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 3, Level = LogLevel.Information,
        Message = "Terminal {ReconnectId} started: {Shell} (pid {ProcessId}, {Rows}x{Cols})")]
    public static partial void TerminalStarted(ILogger logger, Guid reconnectId, string shell, int processId, int rows, int cols);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 4, Level = LogLevel.Information,
        Message = "Terminal {ReconnectId} reattached; {ReplayedBytes} bytes of scrollback replayed")]
    public static partial void TerminalReattached(ILogger logger, Guid reconnectId, int replayedBytes);

    /// <summary>A terminal closed for good (its process group is killed).</summary>
    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 5,
        Message = "Terminal {ReconnectId} closed after {DurationSeconds:0.0} s. connect_type={connect_type} disconnect_reason={disconnect_reason} disconnect_expected={disconnect_expected} disconnect_initiator={disconnect_initiator} disconnect_detail={disconnect_detail}")]
    public static partial void TerminalClosed(ILogger logger, LogLevel level, Guid reconnectId, double durationSeconds,
        string connect_type, string disconnect_reason, bool disconnect_expected, string disconnect_initiator, string disconnect_detail);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 6, Level = LogLevel.Warning,
        Message = "Terminal {ReconnectId}: resize to {Rows}x{Cols} refused: {Reason}")]
    public static partial void ResizeRefused(ILogger logger, Guid reconnectId, int rows, int cols, string reason);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 7, Level = LogLevel.Warning,
        Message = "Could not dial the relay at {RelayUrl} for a session: {Reason}")]
    public static partial void DialFailed(ILogger logger, Uri relayUrl, string reason);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 8, Level = LogLevel.Warning,
        Message = "Session {SessionId}: signal {Signal} refused (not an allowed signal name)")]
    public static partial void SignalRefused(ILogger logger, Guid sessionId, string signal);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 9, Level = LogLevel.Warning,
        Message = "Direct connection from {Client} refused: {Reason}")]
    public static partial void DirectRefused(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 10, Level = LogLevel.Information,
        Message = "Accepting direct connections on {Address}")]
    public static partial void DirectListening(ILogger logger, string address);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 11, Level = LogLevel.Warning,
        Message = "Cannot accept direct connections on {Address}: {Reason}; sessions use the relay only")]
    public static partial void DirectUnavailable(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = OutpostEventIds.AgentSessions + 12, Level = LogLevel.Warning,
        Message = "Direct session {SessionId} is missing from the connection log: {Reason}")]
    public static partial void DirectReportFailed(ILogger logger, Guid sessionId, string reason);
}
