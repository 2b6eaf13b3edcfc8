using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Provisionerd;

/// <summary>
/// The acquire requests waiting in this process for a job. One shared subscription to the wake
/// channel wakes the longest-waiting request that runs the job's provisioner (the wake's payload)
/// instead of every waiting daemon, so 50 idle daemons cost one claim per job, not 50, and a
/// terraform daemon never swallows the wake of a local job. A request that was woken but ends
/// without claiming (its poll ran out at the same moment) passes the wake on. A dropped-messages
/// marker wakes them all, since the jobs it stands for are unknown.
/// </summary>
internal sealed partial class AcquireWaiters(IPubsub pubsub, ILogger<AcquireWaiters> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _started;

    /// <summary>Joins the queue for jobs of <paramref name="provisioners"/>; the registration's task completes when this request should try to claim.</summary>
    public async Task<Registration> RegisterAsync(IReadOnlyCollection<string> provisioners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provisioners);
        Task started;
        lock (_gate)
        {
            _started ??= StartAsync();
            started = _started;
        }

        // The first caller waits for the shared subscription, so no wake-up is missed after it returns.
        await started.WaitAsync(cancellationToken).ConfigureAwait(false);
        var waiter = new Waiter(provisioners);
        LinkedListNode<Waiter> node;
        lock (_gate)
        {
            node = _waiters.AddLast(waiter);
        }

        return new Registration(this, node);
    }

    /// <summary>How many requests wait for a wake right now (tests use it to know a poll is parked).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count(waiter => !waiter.Woken.Task.IsCompleted);
            }
        }
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
                        WakeOne(message.Payload);
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

    private void WakeOne(string provisioner)
    {
        lock (_gate)
        {
            var node = _waiters.First;
            while (node is not null)
            {
                var next = node.Next;
                if (node.Value.Woken.Task.IsCompleted)
                {
                    // A waiter whose request already ended cannot take the job.
                    _waiters.Remove(node);
                }
                else if (node.Value.Runs(provisioner))
                {
                    _waiters.Remove(node);
                    node.Value.Wake(provisioner);
                    return;
                }

                node = next;
            }
        }
    }

    private void WakeAll()
    {
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                waiter.Wake(null);
            }

            _waiters.Clear();
        }
    }

    private void Remove(LinkedListNode<Waiter> node)
    {
        lock (_gate)
        {
            if (node.List is not null)
            {
                _waiters.Remove(node);
            }
        }

        var waiter = node.Value;
        if (!waiter.Woken.TrySetCanceled() && !waiter.Claimed && waiter.WokenFor is { } provisioner)
        {
            // Woken for a job, but the request ended without trying to claim it: another daemon may take it.
            WakeOne(provisioner);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        WakeAll();
        _stop.Dispose();
    }

    /// <summary>One waiting request; disposing it leaves the queue.</summary>
    internal readonly struct Registration(AcquireWaiters owner, LinkedListNode<Waiter> node) : IDisposable
    {
        public Task Woken => node.Value.Woken.Task;

        /// <summary>Says the request is about to claim after its wake, so leaving does not pass the wake on.</summary>
        public void Claiming() => node.Value.Claimed = true;

        public void Dispose() => owner.Remove(node);
    }

    internal sealed class Waiter(IReadOnlyCollection<string> provisioners)
    {
        public TaskCompletionSource Woken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The provisioner of the job this waiter was woken for; null when woken for every job (a dropped marker).</summary>
        public string? WokenFor { get; private set; }

        public bool Claimed { get; set; }

        /// <summary>An empty payload names no provisioner: every waiter may take it.</summary>
        public bool Runs(string provisioner) => provisioner.Length == 0 || provisioners.Contains(provisioner, StringComparer.Ordinal);

        public void Wake(string? provisioner)
        {
            WokenFor = provisioner;
            Woken.TrySetResult();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Provisioner + 20, Level = LogLevel.Warning,
            Message = "The acquire wake-up loop failed ({Reason}); waiting daemons were woken and it restarts with the next acquire")]
        public static partial void PumpFailed(ILogger logger, string reason);
    }
}
