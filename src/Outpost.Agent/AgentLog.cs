using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent;

/// <summary>
/// Every log line of the workspace agent (ids 5001–5099). Disconnect lines carry the seed-001 fields
/// <c>connect_type</c>, <c>disconnect_reason</c>, <c>disconnect_expected</c>, <c>disconnect_initiator</c>
/// and <c>disconnect_detail</c> as named template values, after a sentence a person can read.
/// </summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = OutpostEventIds.Agent + 1, Level = LogLevel.Information,
        Message = "Agent {AgentName} starting against {ServerUrl}")]
    public static partial void Starting(ILogger logger, string agentName, Uri serverUrl);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 2, Level = LogLevel.Information,
        Message = "Manifest received: agent {AgentName} of workspace {OwnerName}/{WorkspaceName}, {ScriptCount} scripts, directory {Directory}")]
    public static partial void ManifestReceived(ILogger logger, string agentName, string ownerName, string workspaceName, int scriptCount, string directory);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 3, Level = LogLevel.Warning,
        Message = "Could not fetch the manifest (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void ManifestFailed(ILogger logger, int attempt, string reason, long delayMs);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 4, Level = LogLevel.Error,
        Message = "Agent token rejected while {Operation} (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void Unauthorized(ILogger logger, string operation, int attempt, string reason, long delayMs);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 5, Level = LogLevel.Information,
        Message = "Connected to the control plane (connection {Connection}, after {FailedAttempts} failed attempts) connect_type={connect_type}")]
    public static partial void Connected(ILogger logger, int connection, int failedAttempts, string connect_type);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 6, Level = LogLevel.Warning,
        Message = "Could not connect to the control plane (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void ConnectFailed(ILogger logger, int attempt, string reason, long delayMs);

    /// <summary>The one disconnect line of the agent's control plane; Information when expected, Warning otherwise.</summary>
    [LoggerMessage(EventId = OutpostEventIds.Agent + 7,
        Message = "Disconnected from the control plane after {DurationSeconds:0.0} s: {Summary}. connect_type={connect_type} disconnect_reason={disconnect_reason} disconnect_expected={disconnect_expected} disconnect_initiator={disconnect_initiator} disconnect_detail={disconnect_detail}")]
    public static partial void Disconnected(ILogger logger, LogLevel level, double durationSeconds, string summary,
        string connect_type, string disconnect_reason, bool disconnect_expected, string disconnect_initiator, string disconnect_detail);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 8, Level = LogLevel.Information,
        Message = "Lifecycle {State} at {ChangedAt:O}")]
    public static partial void LifecycleChanged(ILogger logger, string state, DateTimeOffset changedAt);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 9, Level = LogLevel.Information,
        Message = "The server asked the agent to shut down: {Reason} (build {BuildId}, transition {Transition})")]
    public static partial void ShutdownRequested(ILogger logger, string reason, Guid? buildId, string transition);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 10, Level = LogLevel.Information,
        Message = "Received {Signal}: shutting down")]
    public static partial void SignalReceived(ILogger logger, string signal);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 11, Level = LogLevel.Information,
        Message = "Script {Script} started (pid {ProcessId}, timeout {TimeoutSeconds} s)")]
    public static partial void ScriptStarted(ILogger logger, string script, int processId, int timeoutSeconds);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 12, Level = LogLevel.Information,
        Message = "Script {Script} exited 0 after {DurationMs} ms ({LineCount} lines of output)")]
    public static partial void ScriptSucceeded(ILogger logger, string script, long durationMs, long lineCount);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 13, Level = LogLevel.Warning,
        Message = "Script {Script} exited with code {ExitCode} after {DurationMs} ms")]
    public static partial void ScriptFailed(ILogger logger, string script, int exitCode, long durationMs);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 14, Level = LogLevel.Warning,
        Message = "Script {Script} ran past its timeout of {TimeoutSeconds} s; its process tree was killed")]
    public static partial void ScriptTimedOut(ILogger logger, string script, int timeoutSeconds);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 15, Level = LogLevel.Error,
        Message = "Script {Script} could not start: {Reason}")]
    public static partial void ScriptNotStarted(ILogger logger, string script, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 16, Level = LogLevel.Warning,
        Message = "Could not upload {LineCount} log lines (attempt {Attempt}): {Reason}; keeping them and retrying in {DelayMs} ms")]
    public static partial void LogUploadFailed(ILogger logger, int lineCount, int attempt, string reason, long delayMs);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 17, Level = LogLevel.Information,
        Message = "Manifest re-fetched after reconnecting (connection {Connection})")]
    public static partial void ManifestRefreshed(ILogger logger, int connection);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 18, Level = LogLevel.Warning,
        Message = "Could not re-fetch the manifest after reconnecting: {Reason}; keeping the one from before")]
    public static partial void ManifestRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 19, Level = LogLevel.Debug,
        Message = "Ignored a {MessageType} message from the server")]
    public static partial void MessageIgnored(ILogger logger, string messageType);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 20, Level = LogLevel.Warning,
        Message = "{PendingCount} lifecycle changes were not delivered before the agent stopped; the server will show the last state it received")]
    public static partial void LifecycleUndelivered(ILogger logger, int pendingCount);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 21, Level = LogLevel.Warning,
        Message = "{LineCount} log lines were not delivered before the agent stopped")]
    public static partial void LogsUndelivered(ILogger logger, long lineCount);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 22, Level = LogLevel.Information,
        Message = "Agent stopped in lifecycle state {State}")]
    public static partial void Stopped(ILogger logger, string state);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 23, Level = LogLevel.Warning,
        Message = "Working directory {Directory} does not exist; scripts run in {Fallback}")]
    public static partial void DirectoryMissing(ILogger logger, string directory, string fallback);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 71, Level = LogLevel.Information,
        Message = "No stop message from the server within {WaitMs} ms of the signal: shutting down as the agent's own shutdown")]
    public static partial void NoStopReason(ILogger logger, long waitMs);
}
