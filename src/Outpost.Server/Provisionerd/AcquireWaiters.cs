using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Provisionerd;

/// <summary>
/// The acquire requests waiting in this process for a job. One shared subscription to the wake
/// channel wakes the longest-waiting request per queued job instead of every waiting daemon, so 50
/// idle daemons cost one claim per job, not 50. A dropped-messages marker wakes them all, since
/// the jobs it stands for are unknown.
/// </summary>
internal sealed partial class AcquireWaiters(IPubsub pubsub, ILogger<AcquireWaiters> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _started;

    /// <summary>Joins the queue; the registration's task completes when this request should try to claim.</summary>
    public async Task<Registration> RegisterAsync(CancellationToken cancellationToken)
    {
        Task started;
        lock (_gate)
        {
            _started ??= StartAsync();
            started = _started;
        }

        // The first caller waits for the shared subscription, so no wake-up is missed after it returns.
        await started.WaitAsync(cancellationToken).ConfigureAwait(false);
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            node = _waiters.AddLast(waiter);
        }

        return new Registration(this, node);
    }

    private async Task StartAsync()
    {
        var subscription = await pubsub.SubscribeAsync(JobEvents.WakeChannel, _stop.Token).ConfigureAwait(false);
        _ = PumpAsync(subscription);
    }

    private async Task PumpAsync(PubsubSubscription subscription)
    {
        await using (subscription.ConfigureAwait(false))
        {
            try
            {
                await foreach (var message in subscription.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    if (message.IsDropped)
                    {
                        WakeAll();
                    }
                    else
                    {
                        WakeOne();
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Shutting down.
            }
#pragma warning disable CA1031 // A background loop must not crash the host; waiting requests fall back to their poll timeout.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.PumpFailed(logger, e.Message);
                WakeAll();
                lock (_gate)
                {
                    _started = null;
                }
            }
        }
    }

    private void WakeOne()
    {
        lock (_gate)
        {
            // A waiter whose request already ended cannot take the job: pass it to the next one.
            while (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                if (first.Value.TrySetResult())
                {
                    return;
                }
            }
        }
    }

    private void WakeAll()
    {
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                waiter.TrySetResult();
            }

            _waiters.Clear();
        }
    }

    private void Remove(LinkedListNode<TaskCompletionSource> node)
    {
        lock (_gate)
        {
            if (node.List is not null)
            {
                _waiters.Remove(node);
            }
        }

        node.Value.TrySetCanceled();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        WakeAll();
        _stop.Dispose();
    }

    /// <summary>One waiting request; disposing it leaves the queue.</summary>
    internal readonly struct Registration(AcquireWaiters owner, LinkedListNode<TaskCompletionSource> node) : IDisposable
    {
        public Task Woken => node.Value.Task;

        public void Dispose() => owner.Remove(node);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Provisioner + 20, Level = LogLevel.Warning,
            Message = "The acquire wake-up loop failed ({Reason}); waiting daemons were woken and it restarts with the next acquire")]
        public static partial void PumpFailed(ILogger logger, string reason);
    }
}
