using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Pubsub;

public sealed class InMemoryPubsubTests
{
    [Fact]
    public async Task It_fans_out_bounds_queues_and_marks_drops_like_the_postgres_pubsub()
    {
        await using var pubsub = new InMemoryPubsub(queueCapacity: 2);
        await using var first = await pubsub.SubscribeAsync("jobs", TestTimeouts.Token()).WithTimeout();
        await using var second = await pubsub.SubscribeAsync("jobs", TestTimeouts.Token()).WithTimeout();
        await using var elsewhere = await pubsub.SubscribeAsync("other", TestTimeouts.Token()).WithTimeout();

        foreach (var payload in new[] { "1", "2", "3" })
        {
            await pubsub.PublishAsync("jobs", payload, TestTimeouts.Token()).WithTimeout();
        }

        Assert.Equal(3, first.Reader.Count);
        Assert.Equal(3, second.Reader.Count);
        Assert.Equal(0, elsewhere.Reader.Count);
        Assert.Equal(["1", "2", "dropped"], await ReadAsync(first, 3));
    }

    [Fact]
    public async Task A_simulated_reconnect_marks_every_subscriber_and_unsubscribed_ones_get_nothing()
    {
        await using var pubsub = new InMemoryPubsub();
        await using var live = await pubsub.SubscribeAsync("jobs", TestTimeouts.Token()).WithTimeout();
        var gone = await pubsub.SubscribeAsync("jobs", TestTimeouts.Token()).WithTimeout();
        await gone.DisposeAsync();

        pubsub.SimulateReconnect();
        await pubsub.PublishAsync("jobs", "after", TestTimeouts.Token()).WithTimeout();

        Assert.Equal(["dropped", "after"], await ReadAsync(live, 2));
        Assert.Equal(0, gone.Reader.Count);
    }

    [Fact]
    public async Task It_enforces_the_same_limits()
    {
        await using var pubsub = new InMemoryPubsub();

        await Assert.ThrowsAsync<ArgumentException>(() => pubsub.SubscribeAsync("bad name", TestTimeouts.Token())).WithTimeout();
        await Assert.ThrowsAsync<ArgumentException>(() => pubsub.PublishAsync("ok", new string('x', PubsubLimits.MaxPayloadBytes + 1), TestTimeouts.Token())).WithTimeout();
    }

    private static async Task<List<string>> ReadAsync(PubsubSubscription subscription, int count)
    {
        var items = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var message = await subscription.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout();
            items.Add(message.IsDropped ? "dropped" : message.Payload);
        }

        return items;
    }
}
