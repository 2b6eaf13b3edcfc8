using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Validation;

internal static partial class RequestValidationLog
{
    [LoggerMessage(EventId = OutpostEventIds.Hardening + 1, Level = LogLevel.Debug,
        Message = "Refused {Method} {Path} with {Status} {Code} (field {Field}): {Detail}")]
    public static partial void InvalidRequest(ILogger logger, string method, string path, int status, string code, string field, string detail);
}
