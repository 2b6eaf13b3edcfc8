using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Hosting;

internal static partial class SandboxLog
{
    [LoggerMessage(EventId = OutpostEventIds.Sandbox + 1, Level = LogLevel.Information,
        Message = "Local workspaces run in a bubblewrap sandbox ({Bubblewrap}) as user {User}, without the server's data directory")]
    public static partial void Sandboxed(ILogger logger, string bubblewrap, string user);

    [LoggerMessage(EventId = OutpostEventIds.Sandbox + 2, Level = LogLevel.Error,
        Message = "Local workspaces will be refused: {Reason}")]
    public static partial void BubblewrapMissing(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Sandbox + 3, Level = LogLevel.Warning,
        Message = "Local workspaces run WITHOUT a sandbox (--local-provisioner-unsandboxed): their scripts run as the server's user and can read its data directory")]
    public static partial void Unsandboxed(ILogger logger);
}
