namespace Outpost.Server.Pubsub;

/// <summary>
/// A pubsub inside one process with the same queues, limits and dropped markers as
/// <see cref="PostgresPubsub"/>, for tests of features that publish or watch. It has no
/// transactions: code that publishes inside one needs the real database.
/// </summary>
internal sealed class InMemoryPubsub : IPubsub, IAsyncDisposable
{
    private readonly SubscriberRegistry _registry = new();
    private readonly int _queueCapacity;
    private int _disposed;

    public InMemoryPubsub(int queueCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        _queueCapacity = queueCapacity;
    }

    public Task<PubsubSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        PubsubLimits.ValidateChannel(channel);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        cancellationToken.ThrowIfCancellationRequested();
        var queue = new SubscriberQueue(_queueCapacity);
        _registry.Add(channel, queue);
        _registry.MarkReady(channel);
        return Task.FromResult(new PubsubSubscription(channel, queue, s => _registry.Remove(s.Channel, s.Queue, out _)));
    }

    public Task PublishAsync(string channel, string payload, CancellationToken cancellationToken)
    {
        PubsubLimits.ValidateChannel(channel);
        PubsubLimits.ValidatePayload(payload);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        cancellationToken.ThrowIfCancellationRequested();
        _registry.Deliver(channel, payload);
        return Task.CompletedTask;
    }

    /// <summary>Acts out a lost connection: every subscriber gets a reconnect marker.</summary>
    public void SimulateReconnect() => _registry.SignalDroppedToAll(PubsubDropReason.Reconnected);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _registry.Close();
        }

        return ValueTask.CompletedTask;
    }
}
