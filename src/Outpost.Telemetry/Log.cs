using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Telemetry;

/// <summary>The log messages of client telemetry, ids 2001..2099.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 1, Level = LogLevel.Warning, Message = "Telemetry sink '{Sink}' write failed")]
    public static partial void SinkWriteFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 2, Level = LogLevel.Warning, Message = "Telemetry span '{Span}' {Call} called after emit; {Outcome}")]
    public static partial void CalledAfterEmit(ILogger logger, string span, string call, string outcome);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 3, Level = LogLevel.Warning, Message = "Telemetry {Kind} name '{Name}' contains '.', sanitized to '{Sanitized}'")]
    public static partial void ChildNameSanitized(ILogger logger, string kind, string name, string sanitized);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 4, Level = LogLevel.Warning, Message = "Telemetry event '{EventName}' could not be emitted")]
    public static partial void EmitFailed(ILogger logger, string eventName, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 5, Level = LogLevel.Warning, Message = "Local telemetry flush failed, {Count} event(s) discarded")]
    public static partial void FlushFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 6, Level = LogLevel.Debug, Message = "Local telemetry flush failed again, {Count} event(s) discarded")]
    public static partial void FlushFailedAgain(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 7, Level = LogLevel.Warning, Message = "Local telemetry buffer overflow: dropped {Count} oldest event(s)")]
    public static partial void BufferOverflow(ILogger logger, int count);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 8, Level = LogLevel.Warning, Message = "Local telemetry serialize failed for event '{EventName}'; event dropped")]
    public static partial void SerializeFailed(ILogger logger, string eventName, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 9, Level = LogLevel.Warning, Message = "Local telemetry bufferLimit {BufferLimit} is below flushBatchSize {FlushBatchSize}; the batch trigger can never fire")]
    public static partial void BatchTriggerUnreachable(ILogger logger, int bufferLimit, int flushBatchSize);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 10, Level = LogLevel.Debug, Message = "Local telemetry retention could not delete {File}")]
    public static partial void RetentionDeleteFailed(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 11, Level = LogLevel.Warning, Message = "Telemetry sink '{Sink}' dispose failed")]
    public static partial void SinkDisposeFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 12, Level = LogLevel.Trace, Message = "[telemetry] {EventName}")]
    public static partial void EventEmitted(ILogger logger, string eventName);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 13, Level = LogLevel.Warning, Message = "Telemetry sink '{Sink}' flush failed")]
    public static partial void SinkFlushFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 14, Level = LogLevel.Warning, Message = "Skipped telemetry file: {Reason}")]
    public static partial void FileSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 15, Level = LogLevel.Debug, Message = "Local telemetry retention could not list {Directory}")]
    public static partial void RetentionListFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 16, Level = LogLevel.Warning, Message = "Telemetry span '{Span}' could not start; the body runs untraced")]
    public static partial void SpanStartFailed(ILogger logger, string span, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Telemetry + 17, Level = LogLevel.Warning, Message = "Local telemetry export could not remove {File}")]
    public static partial void ExportCleanupFailed(ILogger logger, string file, Exception exception);
}
