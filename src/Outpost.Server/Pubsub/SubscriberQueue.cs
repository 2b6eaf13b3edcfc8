using System.Threading.Channels;

namespace Outpost.Server.Pubsub;

/// <summary>What a queue did with one payload.</summary>
internal enum EnqueueOutcome
{
    Queued,

    /// <summary>Discarded; the consumer has already been given a marker for this run of drops.</summary>
    Dropped,

    /// <summary>Discarded, and this drop started a new run: a marker was queued.</summary>
    Overflowed,
}

/// <summary>
/// One subscriber's bounded queue, shared by every pubsub implementation. At most
/// <c>capacity</c> payloads wait; a payload that does not fit is discarded and a single dropped
/// marker takes its place in the stream, coalescing with any drops that follow until the consumer
/// catches up. Markers sit between payloads, so at most capacity + 1 of them can be queued and
/// memory stays bounded however fast publishers are.
/// </summary>
internal sealed class SubscriberQueue : ChannelReader<PubsubMessage>
{
    private readonly Lock _gate = new();
    private readonly Queue<PubsubMessage> _items = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _capacity;
    private int _payloadCount;
    private bool _tailIsMarker;
    private bool _completed;
    private TaskCompletionSource<bool>? _readable;

    public SubscriberQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public override Task Completion => _completion.Task;

    public override bool CanCount => true;

    public override int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    public EnqueueOutcome Enqueue(string payload)
    {
        TaskCompletionSource<bool>? readable;
        var outcome = EnqueueOutcome.Queued;
        lock (_gate)
        {
            if (_completed)
            {
                // The subscriber has gone; nobody is owed a marker.
                return EnqueueOutcome.Queued;
            }

            if (_payloadCount >= _capacity)
            {
                readable = AppendMarker(PubsubDropReason.Overflow, out var appended);
                outcome = appended ? EnqueueOutcome.Overflowed : EnqueueOutcome.Dropped;
            }
            else
            {
                _items.Enqueue(PubsubMessage.FromPayload(payload));
                _payloadCount++;
                _tailIsMarker = false;
                readable = TakeReadable();
            }
        }

        // Waiters resume outside the lock so a reader's continuation never runs under it.
        readable?.TrySetResult(true);
        return outcome;
    }

    /// <summary>Appends a dropped marker unless the last queued item already is one.</summary>
    public void SignalDropped(PubsubDropReason reason)
    {
        TaskCompletionSource<bool>? readable;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            readable = AppendMarker(reason, out _);
        }

        readable?.TrySetResult(true);
    }

    /// <summary>No more items will be added; readers drain what is queued and then stop.</summary>
    public void Complete()
    {
        TaskCompletionSource<bool>? readable;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            readable = TakeReadable();
            if (_items.Count == 0)
            {
                _completion.TrySetResult();
            }
        }

        readable?.TrySetResult(false);
    }

    public override bool TryRead(out PubsubMessage item)
    {
        lock (_gate)
        {
            if (_items.TryDequeue(out item))
            {
                if (!item.IsDropped)
                {
                    _payloadCount--;
                }

                if (_items.Count == 0)
                {
                    _tailIsMarker = false;
                    if (_completed)
                    {
                        _completion.TrySetResult();
                    }
                }

                return true;
            }

            return false;
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Task<bool> readable;
        lock (_gate)
        {
            if (_items.Count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            // Every concurrent waiter shares one completion source; each cancels only its own wait.
            _readable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            readable = _readable.Task;
        }

        return new ValueTask<bool>(readable.WaitAsync(cancellationToken));
    }

    private TaskCompletionSource<bool>? AppendMarker(PubsubDropReason reason, out bool appended)
    {
        appended = !_tailIsMarker;
        if (!appended)
        {
            return null;
        }

        _items.Enqueue(PubsubMessage.Dropped(reason));
        _tailIsMarker = true;
        return TakeReadable();
    }

    private TaskCompletionSource<bool>? TakeReadable()
    {
        var readable = _readable;
        _readable = null;
        return readable;
    }
}
