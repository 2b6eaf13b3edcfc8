using Microsoft.Extensions.Logging;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// Sends one job's heartbeats and log batches: at least every <see cref="ProvisionerDaemonOptions.HeartbeatInterval"/>,
/// within <see cref="ProvisionerDaemonOptions.LogFlushDelay"/> of a line being written, at once when a
/// batch is full. A failed update keeps its lines and is retried with backoff. The loop sleeps on
/// one timer and one signal and compares absolute times when it wakes, so a wake-up that comes
/// late (or a fake clock moved early) never loses a heartbeat.
/// </summary>
internal sealed class JobUpdater : IAsyncDisposable
{
    private readonly IProvisionerDaemonClient _client;
    private readonly Guid _jobId;
    private readonly ProvisionerDaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _onCanceled;
    private readonly Action<string> _onLost;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ITimer _timer;
    private List<ProvisionerLogLine>? _pending;
    private DateTimeOffset _lastAttempt;
    private DateTimeOffset? _retryAt;
    private int _failures;
    private bool _canceledSeen;
    private Task? _loop;

    /// <summary>
    /// <paramref name="onCanceled"/> is called once, when an update answers that a user canceled the job;
    /// <paramref name="onLost"/> once, when the server says the job is no longer this daemon's (the reaper failed it).
    /// </summary>
    public JobUpdater(
        IProvisionerDaemonClient client,
        Guid jobId,
        ProvisionerDaemonOptions options,
        TimeProvider time,
        ILogger logger,
        Action onCanceled,
        Action<string> onLost)
    {
        _client = client;
        _jobId = jobId;
        _options = options;
        _time = time;
        _logger = logger;
        _onCanceled = onCanceled;
        _onLost = onLost;
        _timer = time.CreateTimer(static state => ((JobUpdater)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Log = new JobLogBuffer(time, options.MaxBufferedLines, options.LogBatchSize, Wake);
        // Acquiring the job counted as its first sign of life on the server.
        _lastAttempt = time.GetUtcNow();
    }

    public JobLogBuffer Log { get; }

    /// <summary>True once the server said the job is not ours any more; nothing more is sent.</summary>
    public bool Lost { get; private set; }

    public void Start() => _loop ??= LoopAsync();

    /// <summary>Ends the heartbeat loop, letting an update in flight finish; unsent lines stay for <see cref="FlushAsync"/>.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    /// <summary>Sends every remaining line, retrying with backoff; false when they could not all be delivered.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        var attempts = 0;
        while (!Lost && (_pending is not null || Log.HasLines))
        {
            if (await SendOnceAsync(cancellationToken).ConfigureAwait(false))
            {
                attempts = 0;
                continue;
            }

            if (Lost || ++attempts >= _options.FinalDeliveryAttempts)
            {
                return false;
            }

            await Task.Delay(Backoff.Delay(attempts, _options), _time, cancellationToken).ConfigureAwait(false);
        }

        return !Lost;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _abort.Dispose();
        _signal.Dispose();
    }

    private void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up covers any number of reasons.
        }
        catch (ObjectDisposedException)
        {
            // A timer or a late log line after the job ended.
        }
    }

    private async Task LoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested && !Lost)
            {
                var now = _time.GetUtcNow();
                var due = NextDue();
                if (now >= due || (_retryAt is null && Log.Count >= _options.LogBatchSize))
                {
                    await SendOnceAsync(_abort.Token).ConfigureAwait(false);
                    continue;
                }

                _timer.Change(due - now, Timeout.InfiniteTimeSpan);
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested || _abort.IsCancellationRequested)
        {
            // Stopped: the job is over.
        }
    }

    private DateTimeOffset NextDue()
    {
        // After a failure, wait out the backoff even if lines are waiting: hammering a struggling server helps nobody.
        if (_retryAt is { } retry)
        {
            return retry;
        }

        var due = _lastAttempt + _options.HeartbeatInterval;
        return Log.OldestAt is { } oldest && oldest + _options.LogFlushDelay < due ? oldest + _options.LogFlushDelay : due;
    }

    private async Task<bool> SendOnceAsync(CancellationToken cancellationToken)
    {
        _pending ??= Log.Take(_options.MaxLinesPerUpdate);
        _lastAttempt = _time.GetUtcNow();
        try
        {
            var response = await _client.UpdateJobAsync(_jobId, new UpdateJobRequest { Logs = _pending }, cancellationToken).ConfigureAwait(false);
            _pending = null;
            _failures = 0;
            _retryAt = null;
            if (response.Canceled && !_canceledSeen)
            {
                _canceledSeen = true;
                _onCanceled();
            }

            return true;
        }
        catch (OutpostApiException ex) when (ProvisionerDaemon.IsJobGone(ex))
        {
            Lost = true;
            _onLost(ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failures++;
            var delay = Backoff.Delay(_failures, _options);
            _retryAt = _time.GetUtcNow() + (delay < _options.HeartbeatInterval ? delay : _options.HeartbeatInterval);
            DaemonLog.HeartbeatFailed(_logger, _jobId, _failures, ex.Message);
            return false;
        }
    }
}
