using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Provisioner.Daemon;

/// <summary>The daemon's log events (ids 7000–7049).</summary>
internal static partial class DaemonLog
{
    private const int Base = OutpostEventIds.ProvisionerDaemon;

    [LoggerMessage(EventId = Base, Level = LogLevel.Information,
        Message = "Provisioner daemon {DaemonName} started; asking for {Provisioners} jobs")]
    public static partial void Started(ILogger logger, string daemonName, string provisioners);

    [LoggerMessage(EventId = Base + 1, Level = LogLevel.Information,
        Message = "Provisioner daemon {DaemonName} stopped")]
    public static partial void Stopped(ILogger logger, string daemonName);

    [LoggerMessage(EventId = Base + 2, Level = LogLevel.Information,
        Message = "Acquired job {JobId} ({JobType}, provisioner {Provisioner}), queued {QueuedSeconds:0.0} s")]
    public static partial void Acquired(ILogger logger, Guid jobId, string jobType, string provisioner, double queuedSeconds);

    [LoggerMessage(EventId = Base + 3, Level = LogLevel.Information,
        Message = "Job {JobId} succeeded in {ElapsedSeconds:0.0} s")]
    public static partial void Succeeded(ILogger logger, Guid jobId, double elapsedSeconds);

    [LoggerMessage(EventId = Base + 4, Level = LogLevel.Warning,
        Message = "Job {JobId} failed after {ElapsedSeconds:0.0} s ({ErrorCode}): {Error}")]
    public static partial void Failed(ILogger logger, Guid jobId, double elapsedSeconds, string errorCode, string error);

    [LoggerMessage(EventId = Base + 5, Level = LogLevel.Information,
        Message = "Job {JobId} was canceled by a user; stopping the provisioner")]
    public static partial void CanceledByUser(ILogger logger, Guid jobId);

    [LoggerMessage(EventId = Base + 6, Level = LogLevel.Warning,
        Message = "Heartbeat of job {JobId} failed (attempt {Attempt}); retrying: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, Guid jobId, int attempt, string reason);

    [LoggerMessage(EventId = Base + 7, Level = LogLevel.Warning,
        Message = "Could not ask the server for jobs (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    public static partial void AcquireFailed(ILogger logger, int attempt, long delayMs, string reason);

    [LoggerMessage(EventId = Base + 8, Level = LogLevel.Error,
        Message = "The server refused provisioner daemon {DaemonName} ({StatusCode}): {Reason}; the daemon stops")]
    public static partial void Refused(ILogger logger, string daemonName, int statusCode, string reason);

    [LoggerMessage(EventId = Base + 9, Level = LogLevel.Information,
        Message = "Shutting down while job {JobId} runs; it has {GraceSeconds} s to finish before it is canceled and failed")]
    public static partial void ShutdownDuringJob(ILogger logger, Guid jobId, double graceSeconds);

    [LoggerMessage(EventId = Base + 10, Level = LogLevel.Warning,
        Message = "Job {JobId} did not finish within the shutdown grace period; canceling it")]
    public static partial void GraceExpired(ILogger logger, Guid jobId);

    [LoggerMessage(EventId = Base + 11, Level = LogLevel.Warning,
        Message = "Job {JobId} is no longer this daemon's (the server answered: {Reason}); abandoning it")]
    public static partial void JobLost(ILogger logger, Guid jobId, string reason);

    [LoggerMessage(EventId = Base + 12, Level = LogLevel.Warning,
        Message = "Could not report the result of job {JobId} (attempt {Attempt}): {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, Guid jobId, int attempt, string reason);

    [LoggerMessage(EventId = Base + 13, Level = LogLevel.Error,
        Message = "Gave up reporting the result of job {JobId}; the server's reaper will fail it as hung")]
    public static partial void DeliveryGaveUp(ILogger logger, Guid jobId);

    [LoggerMessage(EventId = Base + 14, Level = LogLevel.Error,
        Message = "The provisioner threw while running job {JobId}; the job fails with the exception's message")]
    public static partial void ProvisionerThrew(ILogger logger, Exception exception, Guid jobId);

    [LoggerMessage(EventId = Base + 15, Level = LogLevel.Warning,
        Message = "Job {JobId} wrote faster than its logs could be sent; {Dropped} lines were dropped")]
    public static partial void LinesDropped(ILogger logger, Guid jobId, long dropped);

    [LoggerMessage(EventId = Base + 16, Level = LogLevel.Warning,
        Message = "The server refused the result of job {JobId}: {Reason}")]
    public static partial void ResultRefused(ILogger logger, Guid jobId, string reason);

    [LoggerMessage(EventId = Base + 17, Level = LogLevel.Information,
        Message = "Stopping {Count} provisioner daemons")]
    public static partial void HostStopping(ILogger logger, int count);

    [LoggerMessage(EventId = Base + 18, Level = LogLevel.Error,
        Message = "The provisioner running job {JobId} did not stop within {Seconds} s of being canceled; failing the job without it")]
    public static partial void ProvisionerUnresponsive(ILogger logger, Guid jobId, double seconds);

    [LoggerMessage(EventId = Base + 19, Level = LogLevel.Error,
        Message = "The daemon failed while handling job {JobId}; the job is left to the server's reaper and the daemon carries on")]
    public static partial void JobCrashed(ILogger logger, Exception exception, Guid jobId);
}
