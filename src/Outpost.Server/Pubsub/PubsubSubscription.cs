using System.Threading.Channels;

namespace Outpost.Server.Pubsub;

/// <summary>
/// A live subscription to one channel. Read it with <see cref="ReadAllAsync"/> or <see cref="Reader"/>;
/// a message is a payload or a dropped marker (resync now). Disposing it stops delivery at once; the
/// transport stops listening for the channel when its last subscription goes.
/// </summary>
internal sealed class PubsubSubscription : IAsyncDisposable
{
    private readonly SubscriberQueue _queue;
    private readonly Action<PubsubSubscription> _unsubscribe;
    private int _disposed;

    internal PubsubSubscription(string channel, SubscriberQueue queue, Action<PubsubSubscription> unsubscribe)
    {
        Channel = channel;
        _queue = queue;
        _unsubscribe = unsubscribe;
    }

    public string Channel { get; }

    /// <summary>The bounded queue. It completes when the subscription or the pubsub is disposed.</summary>
    public ChannelReader<PubsubMessage> Reader => _queue;

    internal SubscriberQueue Queue => _queue;

    public IAsyncEnumerable<PubsubMessage> ReadAllAsync(CancellationToken cancellationToken) => _queue.ReadAllAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Complete();
            _unsubscribe(this);
        }

        return ValueTask.CompletedTask;
    }
}
