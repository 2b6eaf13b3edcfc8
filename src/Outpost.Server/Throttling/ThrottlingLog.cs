using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Throttling;

internal static partial class ThrottlingLog
{
    public const string Category = "Outpost.Server.Throttling";

    [LoggerMessage(EventId = OutpostEventIds.Hardening + 10, Level = LogLevel.Warning,
        Message = "Requests with credentials from {Address} are refused for a while: too many of them were invalid")]
    public static partial void TokenGuessingThrottled(ILogger logger, string address);
}
