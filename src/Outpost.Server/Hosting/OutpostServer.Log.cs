using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Hosting;

internal static partial class OutpostServer
{
    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.ServerHost + 1, Level = LogLevel.Information,
            Message = "Outpost {Version} listening on {Address}; access URL {AccessUrl}")]
        public static partial void Listening(ILogger logger, string address, string accessUrl, string version);

        [LoggerMessage(EventId = OutpostEventIds.ServerHost + 2, Level = LogLevel.Information,
            Message = "Started {Count} built-in provisioner daemons")]
        public static partial void DaemonsStarted(ILogger logger, int count);
    }
}
