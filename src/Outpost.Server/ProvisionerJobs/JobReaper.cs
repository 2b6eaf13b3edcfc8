using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// Fails jobs whose daemon went away (coder-spec §7, <c>jobreaper.Detector</c>): running jobs without
/// an update for <see cref="ProvisioningOptions.HungJobTimeout"/> and pending jobs untouched for
/// <see cref="ProvisioningOptions.PendingJobTimeout"/>, at most <see cref="ProvisioningOptions.MaxJobsPerReap"/>
/// per pass. Each job is reaped in its own transaction under a row lock taken with SKIP LOCKED, so
/// replicas running the same pass never reap one job twice. Acts as <see cref="SystemActors.JobReaper"/>.
/// </summary>
internal sealed class JobReaper : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ProvisioningOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PeriodicTimer _timer;
    private TaskCompletionSource _nextPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JobReaper(NpgsqlDataSource dataSource, ServerOptions options, ILoggerFactory loggers)
    {
        if (!SystemActors.JobReaper.Can(ResourceType.ProvisionerJob, PermissionAction.Update))
        {
            throw new InvalidOperationException("The job reaper actor must be allowed to update provisioner jobs.");
        }

        _dataSource = dataSource;
        _options = options.Provisioning;
        _time = options.Time;
        _logger = loggers.CreateLogger(ProvisionerJobsLog.Category);
        // Created with the service, so a tick that falls due before the loop waits is not lost.
        _timer = new PeriodicTimer(_options.ReaperInterval, _time);
    }

    /// <summary>Completes after the next scheduled pass finishes (whether it reaped anything or failed).</summary>
    internal Task NextPassAsync() => Volatile.Read(ref _nextPass).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    QueueMetrics.ReaperErrors.Add(1);
                    ProvisionerJobsLog.ReaperPassFailed(_logger, e);
                }

                Interlocked.Exchange(ref _nextPass, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }

    /// <summary>One pass; returns how many jobs this replica reaped.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var candidates = await JobStore.FindStaleAsync(
            _dataSource, now - _options.PendingJobTimeout, now - _options.HungJobTimeout, _options.MaxJobsPerReap, cancellationToken).ConfigureAwait(false);
        var reaped = 0;
        foreach (var jobId in candidates)
        {
            if (await ReapAsync(jobId, now, cancellationToken).ConfigureAwait(false))
            {
                reaped++;
            }
        }

        return reaped;
    }

    private async Task<bool> ReapAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // No row: it completed, or another replica (or the daemon itself) holds the lock right now.
        if (await JobStore.LockStaleAsync(transaction, jobId, cancellationToken).ConfigureAwait(false) is not { } stale
            || stale.UpdatedAt >= now - (stale.Pending ? _options.PendingJobTimeout : _options.HungJobTimeout))
        {
            return false;
        }

        var (pending, stage) = (stale.Pending, stale.Stage);
        var reapType = pending ? "pending" : "hung";
        var minutes = (int)(pending ? _options.PendingJobTimeout : _options.HungJobTimeout).TotalMinutes;
        string[] lines =
        [
            string.Empty,
            "====================",
            $"Outpost: Build has been detected as {reapType} for {minutes.ToString(CultureInfo.InvariantCulture)} minutes and will be terminated.",
            "====================",
            string.Empty,
        ];
        await JobStore.AppendLogsAsync(transaction, jobId, [.. lines.Select((output, i) => new ProvisionerLogLine
        {
            CreatedAt = now.AddMilliseconds(i),
            Level = ProvisionerLogLevel.Error,
            Source = ProvisionerLogSource.ProvisionerDaemon,
            Stage = stage,
            Output = output,
        })], outbox: null, announce: true, cancellationToken).ConfigureAwait(false);

        // No state copy is needed (upstream copies build n-1's state into a reaped build): the next
        // build reads the newest state any earlier build stored, and reaped builds store none.
        await JobStore.FailReapedAsync(transaction, jobId,
            $"Outpost: Build has been detected as {reapType} for {minutes.ToString(CultureInfo.InvariantCulture)} minutes and has been terminated by the reaper.",
            now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        QueueMetrics.JobsReaped.Add(1, new KeyValuePair<string, object?>("type", reapType));
        ProvisionerJobsLog.JobReaped(_logger, reapType, jobId, minutes);
        return true;
    }
}
