namespace Outpost.Server.Pubsub;

/// <summary>
/// What happened to one published payload: how many subscribers queued it, how many had to drop
/// it, and how many of those drops began a new overflow (a marker was queued).
/// </summary>
internal readonly record struct Delivery(int Delivered, int Dropped, int Overflowed);

/// <summary>
/// The subscribers of every channel, shared by every pubsub implementation. Each channel has a
/// readiness task that completes once the transport listens for it (at once in memory; after
/// LISTEN on PostgreSQL), so a subscriber can wait until no later publish can miss it.
/// </summary>
internal sealed class SubscriberRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ChannelEntry> _channels = new(StringComparer.Ordinal);
    private bool _closed;

    /// <summary>
    /// Adds a subscriber and returns the task that completes when its channel is listened to; it is
    /// canceled if the registry is closed first.
    /// </summary>
    public Task Add(string channel, SubscriberQueue queue)
    {
        lock (_gate)
        {
            if (_closed)
            {
                queue.Complete();
                return Task.FromCanceled(new CancellationToken(canceled: true));
            }

            if (!_channels.TryGetValue(channel, out var entry))
            {
                entry = new ChannelEntry();
                _channels.Add(channel, entry);
            }

            entry.Subscribers.Add(queue);
            return entry.Ready.Task;
        }
    }

    /// <summary>
    /// False when the subscriber was not registered (already removed, or the registry was closed).
    /// <paramref name="lastOfChannel"/> says whether the channel has no subscribers left.
    /// </summary>
    public bool Remove(string channel, SubscriberQueue queue, out bool lastOfChannel)
    {
        lastOfChannel = false;
        lock (_gate)
        {
            if (!_channels.TryGetValue(channel, out var entry) || !entry.Subscribers.Remove(queue))
            {
                return false;
            }

            if (entry.Subscribers.Count == 0)
            {
                lastOfChannel = true;
                _channels.Remove(channel);
                // A subscriber still waiting in SubscribeAsync has already been removed by its own cleanup.
                entry.Ready.TrySetCanceled();
            }

            return true;
        }
    }

    public Delivery Deliver(string channel, string payload)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(channel, out var entry))
            {
                return default;
            }

            var dropped = 0;
            var overflowed = 0;
            foreach (var subscriber in entry.Subscribers)
            {
                var outcome = subscriber.Enqueue(payload);
                if (outcome != EnqueueOutcome.Queued)
                {
                    dropped++;
                }

                if (outcome == EnqueueOutcome.Overflowed)
                {
                    overflowed++;
                }
            }

            return new Delivery(entry.Subscribers.Count - dropped, dropped, overflowed);
        }
    }

    /// <summary>The channels that have at least one subscriber.</summary>
    public IReadOnlyList<string> Channels()
    {
        lock (_gate)
        {
            return [.. _channels.Keys];
        }
    }

    /// <summary>
    /// Completes the channel's readiness. Subscribers that were live before the transport was lost
    /// get a dropped marker now, after listening resumed, so the resync it triggers cannot miss a
    /// change; subscribers that joined during the outage missed nothing. Returns how many were told.
    /// </summary>
    public int MarkReady(string channel)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(channel, out var entry))
            {
                return 0;
            }

            entry.Ready.TrySetResult();
            var told = 0;
            foreach (var subscriber in entry.Missed)
            {
                // One that unsubscribed during the outage is owed nothing.
                if (entry.Subscribers.Contains(subscriber))
                {
                    subscriber.SignalDropped(PubsubDropReason.Reconnected);
                    told++;
                }
            }

            entry.Missed.Clear();
            return told;
        }
    }

    /// <summary>The transport stopped listening: every live subscriber may now miss messages until its channel is ready again.</summary>
    public void MarkAllUnready()
    {
        lock (_gate)
        {
            foreach (var entry in _channels.Values)
            {
                if (entry.Ready.Task.IsCompletedSuccessfully)
                {
                    entry.Ready = NewReady();
                    entry.Missed.AddRange(entry.Subscribers);
                }
            }
        }
    }

    /// <summary>Signals a dropped marker to every subscriber of every channel.</summary>
    public int SignalDroppedToAll(PubsubDropReason reason)
    {
        lock (_gate)
        {
            var count = 0;
            foreach (var entry in _channels.Values)
            {
                foreach (var subscriber in entry.Subscribers)
                {
                    subscriber.SignalDropped(reason);
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>Ends every subscription (readers drain and stop) and fails pending subscribes; returns how many were removed.</summary>
    public int Close()
    {
        lock (_gate)
        {
            var count = 0;
            foreach (var entry in _channels.Values)
            {
                entry.Ready.TrySetCanceled();
                foreach (var subscriber in entry.Subscribers)
                {
                    subscriber.Complete();
                    count++;
                }
            }

            _channels.Clear();
            _closed = true;
            return count;
        }
    }

    private static TaskCompletionSource NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class ChannelEntry
    {
        public List<SubscriberQueue> Subscribers { get; } = [];

        public TaskCompletionSource Ready { get; set; } = NewReady();

        /// <summary>Subscribers that were live when the transport was lost.</summary>
        public List<SubscriberQueue> Missed { get; } = [];
    }
}
