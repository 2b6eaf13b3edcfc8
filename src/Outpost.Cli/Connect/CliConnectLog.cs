using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Cli.Connect;

/// <summary>The CLI's data-plane log lines (ids 6100–6199); the end line carries the seed-001 fields.</summary>
internal static partial class CliConnectLog
{
    public const string Category = "Outpost.Cli.Connect";

    /// <summary>How a session ended, seen from the client; Information when expected, Warning otherwise.</summary>
    [LoggerMessage(EventId = OutpostEventIds.CliSessions + 0,
        Message = "Session with {Workspace}.{Agent} ({Kind}) ended after {DurationSeconds:0.0} s, exit {ExitStatus}. connect_type={connect_type} disconnect_reason={disconnect_reason} disconnect_expected={disconnect_expected} disconnect_initiator={disconnect_initiator} disconnect_detail={disconnect_detail}")]
    public static partial void Ended(ILogger logger, LogLevel level, string workspace, string agent, string kind, double durationSeconds, string exitStatus,
        string connect_type, string disconnect_reason, bool disconnect_expected, string disconnect_initiator, string disconnect_detail);

    [LoggerMessage(EventId = OutpostEventIds.CliSessions + 1, Level = LogLevel.Warning,
        Message = "Connection to the terminal lost ({Reason}); reconnecting (attempt {Attempt})")]
    public static partial void Reconnecting(ILogger logger, string reason, int attempt);
}
