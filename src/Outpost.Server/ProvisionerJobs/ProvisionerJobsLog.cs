using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>Queue, daemon API and reaper log events (the 4100 block; the server uses 4101–4149).</summary>
internal static partial class ProvisionerJobsLog
{
    public const string Category = "Outpost.Server.ProvisionerJobs";

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 1, Level = LogLevel.Information, Message = "Job {JobId} ({JobType}) acquired by daemon {DaemonName} (key {KeyName}) after {QueueWaitSeconds:F3} s in the queue")]
    public static partial void JobAcquired(ILogger logger, Guid jobId, string jobType, string daemonName, string keyName, double queueWaitSeconds);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 2, Level = LogLevel.Information, Message = "Job {JobId} completed")]
    public static partial void JobCompleted(ILogger logger, Guid jobId);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 3, Level = LogLevel.Information, Message = "Job {JobId} failed ({ErrorCode}): {Error}")]
    public static partial void JobFailed(ILogger logger, Guid jobId, string errorCode, string error);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 4, Level = LogLevel.Warning, Message = "Job {JobId} failed at completion: agent environment of variable {VariableName} could not be merged")]
    public static partial void EnvMergeFailed(ILogger logger, Guid jobId, string variableName);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 5, Level = LogLevel.Warning, Message = "Daemon request refused: {Reason}")]
    public static partial void DaemonRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 6, Level = LogLevel.Warning, Message = "Reaper failed {ReapType} job {JobId}: no update for {Minutes} minutes")]
    public static partial void JobReaped(ILogger logger, string reapType, Guid jobId, int minutes);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 7, Level = LogLevel.Error, Message = "Reaper pass failed; the next pass runs as scheduled")]
    public static partial void ReaperPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Provisioner + 8, Level = LogLevel.Warning, Message = "Job {JobId} could not be handed out ({Reason}); it was failed so that it can be retried")]
    public static partial void JobInvalidated(ILogger logger, Guid jobId, string reason);
}
