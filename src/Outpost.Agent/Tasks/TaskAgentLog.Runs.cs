using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent.Tasks;

/// <summary>Run observability of task runs (ids 5070–5079): the agent's local record of each run. No content, only the derived facts.</summary>
internal static partial class TaskAgentLog
{
    /// <summary>The <c>task.run.completed</c> event (docs/telemetry.md): one per run, when its summary is final.</summary>
    [LoggerMessage(EventId = OutpostEventIds.Agent + 70, EventName = "task.run.completed", Level = LogLevel.Information,
        Message = "task.run.completed: task {TaskId} {RunId} {Classification} ({SummaryKey}) after {Attempts} provider request(s) in {DurationMs} ms; retry {RetrySafety}; cause {Cause}, phase {Phase}, recovery {Recovery}")]
    public static partial void RunCompleted(ILogger logger, Guid taskId, string runId, string classification, string summaryKey, int attempts, long durationMs,
        string retrySafety, string cause, string phase, string recovery);
}
