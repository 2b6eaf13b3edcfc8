using System.Diagnostics;
using Outpost.Provisioner.Files;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

internal sealed partial class ProvisionerDaemon
{
    private const string ResultRefusedCode = "result_refused";

    private enum StopReason
    {
        None,
        User,
        Shutdown,
        Lost,
    }

    /// <summary>
    /// Runs one job to its reported end. Returns the next job when the completion took one
    /// (acquire_next, asked for unless the daemon is shutting down), else null.
    /// </summary>
    private async Task<AcquiredJob?> RunJobAsync(AcquiredJob job, AcquireJobRequest acquire, CancellationToken shutdown)
    {
        var started = _time.GetTimestamp();
        var queued = _time.GetUtcNow() - job.CreatedAt;
        DaemonLog.Acquired(_logger, job.JobId, job.Type.ToString(), job.Provisioner, Math.Max(queued.TotalSeconds, 0));
        // The job continues the trace of the request that queued it (the server's enqueue span), across processes.
        using var activity = ProvisionerDiagnostics.ActivitySource.StartActivity(
            "provisioner job", ActivityKind.Internal, ActivityContext.TryParse(job.TraceContext, null, out var queuedBy) ? queuedBy : default);
        activity?.SetTag("outpost.job.queue_wait_ms", (long)Math.Max(queued.TotalMilliseconds, 0));
        activity?.SetTag("outpost.job.id", job.JobId.ToString("D"));
        activity?.SetTag("outpost.job.type", job.Type.ToString());
        activity?.SetTag("outpost.provisioner", job.Provisioner);

        using var stop = new JobStop();
        await using var updater = new JobUpdater(
            _client, job.JobId, _options, _time, _logger,
            onCanceled: () =>
            {
                if (stop.Request(StopReason.User))
                {
                    DaemonLog.CanceledByUser(_logger, job.JobId);
                }
            },
            onLost: reason =>
            {
                if (stop.Request(StopReason.Lost))
                {
                    DaemonLog.JobLost(_logger, job.JobId, reason);
                }
            });
        updater.Log.WriteDaemon(ProvisionerLogLevel.Info, $"Provisioner daemon {_options.Name} picked up the job", "Setting up");
        updater.Start();

        var outcome = await ExecuteWithShutdownAsync(job, updater, stop, shutdown).ConfigureAwait(false);
        await updater.StopAsync().ConfigureAwait(false);

        var elapsed = _time.GetElapsedTime(started);
        if (stop.Reason == StopReason.Lost || updater.Lost)
        {
            Record(job, ProvisionerDiagnostics.Failed, elapsed);
            return null;
        }

        if (outcome.Fail is { } failure && failure.ErrorCode is ProvisionerErrorCodes.Canceled or ProvisionerErrorCodes.DaemonShutdown)
        {
            updater.Log.WriteDaemon(ProvisionerLogLevel.Error, failure.Error);
        }

        // Neither the flush nor the report takes the shutdown token: a stopping daemon still owes the server its result.
        await updater.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        if (updater.Log.TotalDropped > 0)
        {
            DaemonLog.LinesDropped(_logger, job.JobId, updater.Log.TotalDropped);
        }

        var (delivered, final, next) = await DeliverAsync(job.JobId, outcome, shutdown.IsCancellationRequested ? null : acquire).ConfigureAwait(false);
        var status = final.Complete is not null ? ProvisionerDiagnostics.Success : ProvisionerDiagnostics.Failed;
        activity?.SetTag("outpost.job.status", status);
        if (!delivered)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "result not delivered");
        }

        if (final.Fail is { } failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, failed.ErrorCode);
            DaemonLog.Failed(_logger, job.JobId, elapsed.TotalSeconds, failed.ErrorCode ?? "", failed.Error);
        }
        else
        {
            DaemonLog.Succeeded(_logger, job.JobId, elapsed.TotalSeconds);
        }

        Record(job, status, elapsed);
        return next;
    }

    private async Task<JobOutcome> ExecuteWithShutdownAsync(AcquiredJob job, JobUpdater updater, JobStop stop, CancellationToken shutdown)
    {
        ITimer? grace = null;
        var registration = shutdown.Register(() =>
        {
            DaemonLog.ShutdownDuringJob(_logger, job.JobId, _options.ShutdownGracePeriod.TotalSeconds);
            updater.Log.WriteDaemon(ProvisionerLogLevel.Warn,
                $"The provisioner daemon is shutting down; the build has {_options.ShutdownGracePeriod.TotalSeconds:0} s to finish before it is canceled");
            grace = _time.CreateTimer(_ =>
            {
                if (stop.Request(StopReason.Shutdown))
                {
                    DaemonLog.GraceExpired(_logger, job.JobId);
                }
            }, null, _options.ShutdownGracePeriod, Timeout.InfiniteTimeSpan);
        });

        // A provisioner that ignores cancellation must not hold the job (or the daemon's shutdown) forever.
        var gaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ITimer? giveUp = null;
        var onStop = stop.Token.Register(() =>
            giveUp = _time.CreateTimer(_ => gaveUp.TrySetResult(), null, _options.CancelGracePeriod, Timeout.InfiniteTimeSpan));

        JobOutcome outcome;
        try
        {
            var execution = ExecuteAsync(job, updater.Log, stop.Token);
            if (await Task.WhenAny(execution, gaveUp.Task).ConfigureAwait(false) == execution)
            {
                outcome = await execution.ConfigureAwait(false);
            }
            else
            {
                DaemonLog.ProvisionerUnresponsive(_logger, job.JobId, _options.CancelGracePeriod.TotalSeconds);
                updater.Log.WriteDaemon(ProvisionerLogLevel.Error,
                    $"The provisioner did not stop within {_options.CancelGracePeriod.TotalSeconds:0} s of being canceled; the job ends without it");
                _ = execution.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                outcome = JobOutcome.Failed("the provisioner did not stop when canceled", ProvisionerErrorCodes.ProvisionerError);
            }
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
            outcome = JobOutcome.Failed("the build stopped before it finished", ProvisionerErrorCodes.Canceled);
        }
        catch (Exception ex)
        {
            // The operator's log gets the stack; the user gets the message.
            DaemonLog.ProvisionerThrew(_logger, ex, job.JobId);
            updater.Log.WriteDaemon(ProvisionerLogLevel.Error, $"The provisioner failed: {ex.Message}");
            outcome = JobOutcome.Failed(ex.Message, ProvisionerErrorCodes.ProvisionerError);
        }
        finally
        {
            // Waits for callbacks already running, so the timers they create are seen below.
            await registration.DisposeAsync().ConfigureAwait(false);
            await onStop.DisposeAsync().ConfigureAwait(false);
            if (grace is not null)
            {
                await grace.DisposeAsync().ConfigureAwait(false);
            }

            if (giveUp is not null)
            {
                await giveUp.DisposeAsync().ConfigureAwait(false);
            }
        }

        // Work that completed despite a late cancel is reported as done: its state must not be lost.
        return (outcome.Complete, stop.Reason) switch
        {
            (not null, _) => outcome,
            (null, StopReason.User) => JobOutcome.Failed(CanceledMessage, ProvisionerErrorCodes.Canceled, outcome.Fail?.State),
            (null, StopReason.Shutdown) => JobOutcome.Failed(ShutdownMessage, ProvisionerErrorCodes.DaemonShutdown, outcome.Fail?.State),
            _ => outcome,
        };
    }

    private async Task<JobOutcome> ExecuteAsync(AcquiredJob job, JobLogBuffer log, CancellationToken cancellationToken)
    {
        if (!_provisioners.TryGetValue(job.Provisioner, out var provisioner))
        {
            return JobOutcome.Failed(
                $"this daemon does not run the \"{job.Provisioner}\" provisioner (it runs {string.Join(", ", _provisioners.Keys)})",
                ProvisionerErrorCodes.InvalidJob);
        }

        TemplateFiles files;
        try
        {
            files = new TemplateFiles(
                await _files.GetAsync(job.TemplateFileHash, cancellationToken).ConfigureAwait(false),
                job.ModulesFileHash is { } modules ? await _files.GetAsync(modules, cancellationToken).ConfigureAwait(false) : null);
        }
        catch (FileTransferException ex)
        {
            log.WriteDaemon(ProvisionerLogLevel.Error, ex.Message, "Setting up");
            return JobOutcome.Failed(ex.Message, ProvisionerErrorCodes.FileUnavailable);
        }
        catch (OutpostApiException ex) when (ex.StatusCode is 400 or 404)
        {
            var message = $"the job's file is not available from the server: {ex.Message}";
            log.WriteDaemon(ProvisionerLogLevel.Error, message, "Setting up");
            return JobOutcome.Failed(message, ProvisionerErrorCodes.FileUnavailable);
        }

        switch (job.Type)
        {
            case ProvisionerJobType.TemplateVersionImport:
                var imported = await provisioner.ImportAsync(files, log, cancellationToken).ConfigureAwait(false);
                if (!imported.Succeeded)
                {
                    return JobOutcome.Failed(imported.Failure!.Error, imported.Failure.ErrorCode);
                }

                return await StoreModulesAsync(imported.Value!, log, cancellationToken).ConfigureAwait(false) is { } stored
                    ? new JobOutcome(new CompleteJobRequest { TemplateImport = stored }, null)
                    : JobOutcome.Failed("the template's modules archive could not be stored on the server", ProvisionerErrorCodes.FileUnavailable);
            case ProvisionerJobType.WorkspaceBuild when job.WorkspaceBuild is { } build:
                var built = await BuildSteps.RunAsync(provisioner, new PlanRequest(build, files), log, cancellationToken).ConfigureAwait(false);
                return built.Succeeded
                    ? new JobOutcome(new CompleteJobRequest { WorkspaceBuild = built.Value }, null)
                    : JobOutcome.Failed(built.Failure!.Error, built.Failure.ErrorCode, built.Failure.State);
            default:
                return JobOutcome.Failed($"the {job.Type} job carries no details for its type", ProvisionerErrorCodes.InvalidJob);
        }
    }

    /// <summary>
    /// Uploads an import's modules archive (before the completion, which names it) and returns the
    /// result naming it; null when the server would not store it or stored other bytes.
    /// </summary>
    private async Task<TemplateImportResult?> StoreModulesAsync(ImportedTemplate imported, JobLogBuffer log, CancellationToken cancellationToken)
    {
        if (imported.ModulesArchive is not { } archive)
        {
            return imported.Result;
        }

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive));
        try
        {
            var hash = (await _client.UploadFileAsync(archive, cancellationToken).ConfigureAwait(false)).Hash;
            if (!string.Equals(hash, expected, StringComparison.Ordinal))
            {
                log.WriteDaemon(ProvisionerLogLevel.Error, $"The server stored the modules archive as {hash}; its bytes hash to {expected}", "Storing modules");
                return null;
            }
        }
        catch (Exception ex) when (ex is OutpostApiException or HttpRequestException or TimeoutException)
        {
            log.WriteDaemon(ProvisionerLogLevel.Error, $"Could not store the modules archive ({archive.Length:N0} bytes): {ex.Message}", "Storing modules");
            return null;
        }

        log.WriteDaemon(ProvisionerLogLevel.Info, $"Stored the modules archive ({archive.Length:N0} bytes) as {expected}; builds of this version use it", "Storing modules");
        return imported.Result with { ModulesFileHash = expected };
    }

    /// <summary>
    /// Reports the result, retrying transient failures; a result the server refuses as invalid
    /// becomes a failure. A completion asks for the next job when <paramref name="acquireNext"/> is set.
    /// </summary>
    private async Task<(bool Delivered, JobOutcome Final, AcquiredJob? Next)> DeliverAsync(Guid jobId, JobOutcome outcome, AcquireJobRequest? acquireNext)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                AcquiredJob? next = null;
                if (outcome.Complete is { } complete)
                {
                    next = await _client.CompleteJobAsync(jobId, complete with { AcquireNext = acquireNext }, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await _client.FailJobAsync(jobId, outcome.Fail!, CancellationToken.None).ConfigureAwait(false);
                }

                return (true, outcome, next);
            }
            catch (OutpostApiException ex) when (IsJobGone(ex))
            {
                DaemonLog.JobLost(_logger, jobId, ex.Message);
                return (false, outcome, null);
            }
            catch (OutpostApiException ex) when (outcome.Complete is not null && ex.StatusCode == 422)
            {
                // The server judged the result and failed the job itself (an env merge error, say): nothing more to send.
                DaemonLog.ResultRefused(_logger, jobId, ex.Message);
                return (true, JobOutcome.Failed(ex.Message, ResultRefusedCode), null);
            }
            catch (OutpostApiException ex) when (outcome.Complete is not null && ex.StatusCode == 400)
            {
                DaemonLog.ResultRefused(_logger, jobId, ex.Message);
                outcome = JobOutcome.Failed($"the server refused the build's result: {ex.Message}", ResultRefusedCode);
                attempt = 0;
            }
            catch (Exception ex)
            {
                DaemonLog.DeliveryFailed(_logger, jobId, attempt, ex.Message);
                if (attempt >= _options.FinalDeliveryAttempts)
                {
                    DaemonLog.DeliveryGaveUp(_logger, jobId);
                    return (false, outcome, null);
                }

                await Task.Delay(Backoff.Delay(attempt, _options), _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static void Record(AcquiredJob job, string status, TimeSpan elapsed)
    {
        ProvisionerDiagnostics.RecordJob(job.Provisioner, status, elapsed);
        if (job.WorkspaceBuild is { } build)
        {
            ProvisionerDiagnostics.RecordBuild(build, status, elapsed);
        }
    }

    private sealed record JobOutcome(CompleteJobRequest? Complete, FailJobRequest? Fail)
    {
        public static JobOutcome Failed(string error, string errorCode, byte[]? state = null) =>
            new(null, new FailJobRequest { Error = error, ErrorCode = errorCode, State = state });
    }

    /// <summary>The first reason to stop a job wins; later ones (a cancel after the grace expired) change nothing.</summary>
    private sealed class JobStop : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private int _reason;

        public CancellationToken Token => _cancel.Token;

        public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

        public bool Request(StopReason reason)
        {
            if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) != (int)StopReason.None)
            {
                return false;
            }

            _cancel.Cancel();
            return true;
        }

        public void Dispose() => _cancel.Dispose();
    }
}
