using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Dashboard;

/// <summary>The dashboard's log events (5200–5299). Cookies and CSRF tokens are never logged.</summary>
internal static partial class DashboardLog
{
    public const string Category = "Outpost.Server.Dashboard";

    [LoggerMessage(EventId = OutpostEventIds.Dashboard + 1, Level = LogLevel.Warning, Message = "A signed-in browser's {Method} request was refused: {Reason}")]
    public static partial void BrowserRequestRefused(ILogger logger, string reason, string method);

    [LoggerMessage(EventId = OutpostEventIds.Dashboard + 2, Level = LogLevel.Information, Message = "User {UserId} signed in to the dashboard; session {SessionId}")]
    public static partial void SignedIn(ILogger logger, Guid userId, Guid sessionId);

    [LoggerMessage(EventId = OutpostEventIds.Dashboard + 3, Level = LogLevel.Information, Message = "Dashboard session {SessionId} of user {UserId} signed out")]
    public static partial void SignedOut(ILogger logger, Guid sessionId, Guid userId);

    [LoggerMessage(EventId = OutpostEventIds.Dashboard + 4, Level = LogLevel.Warning, Message = "The dashboard's assets are not in this build (the npm step did not run); / answers 503")]
    public static partial void AssetsMissing(ILogger logger);
}
