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

    /// <summary>How long a watcher that re-reads on messages waits before it re-reads anyway.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits until a message is queued or <paramref name="recheck"/> has passed on
    /// <paramref name="time"/>, whichever is first; false once the subscription has ended. Watchers
    /// that re-read the database on a message use it so that a message lost after its change
    /// committed (see <see cref="PubsubOutbox"/>) delays them by at most one interval.
    /// </summary>
    public async Task<bool> WaitToReadOrRecheckAsync(TimeSpan recheck, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(recheck, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await Reader.WaitToReadAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

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
