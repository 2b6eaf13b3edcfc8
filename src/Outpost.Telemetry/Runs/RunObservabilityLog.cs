using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Telemetry.Runs;

/// <summary>The log messages of run observability, ids 2100..2199.</summary>
internal static partial class RunObservabilityLog
{
    [LoggerMessage(EventId = OutpostEventIds.RunObservability + 1, Level = LogLevel.Warning,
        Message = "Run observability failed in {Operation} for run {RunId}; the run goes on without that fact")]
    public static partial void RecorderFailed(ILogger logger, string operation, string runId, Exception exception);
}
