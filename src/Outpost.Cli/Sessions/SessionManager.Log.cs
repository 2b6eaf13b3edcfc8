using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Cli.Sessions;

internal sealed partial class SessionManager
{
    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Cli + 1, Level = LogLevel.Debug, Message = "A {Trigger} refresh joined the refresh already in flight")]
        public static partial void RefreshJoined(ILogger logger, string trigger);

        [LoggerMessage(EventId = OutpostEventIds.Cli + 2, Level = LogLevel.Warning, Message = "Background token refresh failed ({Reason}); retrying in 5 minutes")]
        public static partial void BackgroundRefreshFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = OutpostEventIds.Cli + 3, Level = LogLevel.Warning, Message = "Background token refresh refused ({Reason}); a new login is needed")]
        public static partial void BackgroundRefreshNeedsLogin(ILogger logger, string reason);

        [LoggerMessage(EventId = OutpostEventIds.Cli + 4, Level = LogLevel.Warning, Message = "Logging in again failed with status {Status}")]
        public static partial void ReloginFailed(ILogger logger, int status);

        [LoggerMessage(EventId = OutpostEventIds.Cli + 5, Level = LogLevel.Warning, Message = "The session file {Path} could not be saved: {Reason}")]
        public static partial void SessionNotSaved(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = OutpostEventIds.Cli + 6, Level = LogLevel.Warning, Message = "Token refresh after a 401 failed: {Reason}")]
        public static partial void ReactiveRefreshFailed(ILogger logger, string reason);
    }

    internal static void LogReactiveRefreshFailed(ILogger logger, string reason) => Log.ReactiveRefreshFailed(logger, reason);
}
