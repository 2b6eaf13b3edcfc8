using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Pubsub;

public sealed class SubscriberQueueTests
{
    [Fact]
    public void Drops_past_capacity_become_one_marker_after_the_queued_payloads()
    {
        var queue = new SubscriberQueue(capacity: 3);

        var outcomes = Enumerable.Range(0, 100).Select(i => queue.Enqueue($"p{i}")).ToList();

        Assert.Equal(3, outcomes.Count(o => o == EnqueueOutcome.Queued));
        Assert.Equal(1, outcomes.Count(o => o == EnqueueOutcome.Overflowed));
        Assert.Equal(96, outcomes.Count(o => o == EnqueueOutcome.Dropped));
        Assert.Equal(4, queue.Count);
        Assert.Equal(["p0", "p1", "p2", "dropped:Overflow"], Drain(queue));
    }

    [Fact]
    public void A_new_overflow_after_the_consumer_caught_up_gets_a_new_marker()
    {
        var queue = new SubscriberQueue(capacity: 1);
        queue.Enqueue("a");
        queue.Enqueue("lost");
        Assert.Equal(["a", "dropped:Overflow"], Drain(queue));

        queue.Enqueue("b");
        queue.Enqueue("lost again");
        queue.SignalDropped(PubsubDropReason.Reconnected);

        Assert.Equal(["b", "dropped:Overflow"], Drain(queue));
    }

    [Fact]
    public void A_marker_waits_behind_payloads_and_later_payloads_follow_it()
    {
        var queue = new SubscriberQueue(capacity: 2);
        queue.Enqueue("a");
        queue.Enqueue("b");
        queue.Enqueue("lost");
        Assert.True(queue.TryRead(out var first));
        Assert.Equal("a", first.Payload);

        queue.Enqueue("c");

        Assert.Equal(["b", "dropped:Overflow", "c"], Drain(queue));
    }

    [Fact]
    public async Task A_waiting_reader_wakes_for_a_payload_and_for_completion()
    {
        var queue = new SubscriberQueue(capacity: 4);
        var waiting = queue.WaitToReadAsync(TestTimeouts.Token()).AsTask();
        Assert.False(waiting.IsCompleted);

        queue.Enqueue("x");
        Assert.True(await waiting.WithTimeout());
        Assert.True(queue.TryRead(out _));

        var ending = queue.WaitToReadAsync(TestTimeouts.Token()).AsTask();
        queue.Complete();
        Assert.False(await ending.WithTimeout());
        await queue.Completion.WithTimeout();
    }

    [Fact]
    public async Task Completing_lets_the_reader_drain_what_is_queued_and_nothing_more()
    {
        var queue = new SubscriberQueue(capacity: 4);
        queue.Enqueue("kept");
        queue.Complete();
        queue.Enqueue("ignored");
        queue.SignalDropped(PubsubDropReason.Reconnected);

        var read = await queue.ReadAllAsync(TestTimeouts.Token()).Select(m => m.Payload).ToListAsync().AsTask().WithTimeout();

        Assert.Equal(["kept"], read);
    }

    [Fact]
    public async Task A_canceled_wait_does_not_disturb_other_readers()
    {
        var queue = new SubscriberQueue(capacity: 4);
        using var cancel = new CancellationTokenSource();
        var canceled = queue.WaitToReadAsync(cancel.Token).AsTask();
        var other = queue.WaitToReadAsync(TestTimeouts.Token()).AsTask();

        await cancel.CancelAsync();
        queue.Enqueue("x");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled).WithTimeout();
        Assert.True(await other.WithTimeout());
    }

    private static List<string> Drain(SubscriberQueue queue)
    {
        var items = new List<string>();
        while (queue.TryRead(out var message))
        {
            items.Add(message.IsDropped ? $"dropped:{message.DropReason}" : message.Payload);
        }

        return items;
    }
}
