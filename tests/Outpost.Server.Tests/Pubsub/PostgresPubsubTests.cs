using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Pubsub;

public sealed class PostgresPubsubTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_subscriber_receives_what_is_published_on_its_channel_only()
    {
        await using var pubsub = Create();
        await using var subscription = await pubsub.SubscribeAsync("workspace_updates:all", TestTimeouts.Token()).WithTimeout();

        await pubsub.PublishAsync("workspace_updates:other", "not for you", TestTimeouts.Token()).WithTimeout();
        await pubsub.PublishAsync("Workspace_Updates:all", "wrong case", TestTimeouts.Token()).WithTimeout();
        await pubsub.PublishAsync("workspace_updates:all", "hello", TestTimeouts.Token()).WithTimeout();

        Assert.Equal("hello", await NextPayloadAsync(subscription));
    }

    [Fact]
    public async Task Two_subscribers_on_one_channel_both_receive_and_share_one_listen()
    {
        await using var pubsub = Create();
        await using var first = await pubsub.SubscribeAsync("shared", TestTimeouts.Token()).WithTimeout();
        await using var second = await pubsub.SubscribeAsync("shared", TestTimeouts.Token()).WithTimeout();

        await pubsub.PublishAsync("shared", "42", TestTimeouts.Token()).WithTimeout();

        Assert.Equal("42", await NextPayloadAsync(first));
        Assert.Equal("42", await NextPayloadAsync(second));
        Assert.Equal(["shared"], await pubsub.ListeningChannelsAsync(TestTimeouts.Token()).WithTimeout());
    }

    [Fact]
    public async Task The_channel_is_unlistened_when_its_last_subscriber_goes()
    {
        await using var pubsub = Create();
        var first = await pubsub.SubscribeAsync("leaving", TestTimeouts.Token()).WithTimeout();
        var second = await pubsub.SubscribeAsync("leaving", TestTimeouts.Token()).WithTimeout();
        await using var other = await pubsub.SubscribeAsync("staying", TestTimeouts.Token()).WithTimeout();

        await first.DisposeAsync();
        var afterFirst = await pubsub.ListeningChannelsAsync(TestTimeouts.Token()).WithTimeout();
        await second.DisposeAsync();
        var afterSecond = await pubsub.ListeningChannelsAsync(TestTimeouts.Token()).WithTimeout();

        Assert.Equal(["leaving", "staying"], afterFirst.Order(StringComparer.Ordinal));
        Assert.Equal(["staying"], afterSecond);
        Assert.False(await second.Reader.WaitToReadAsync(TestTimeouts.Token()).AsTask().WithTimeout());
    }

    [Fact]
    public async Task A_transactional_publish_is_delivered_at_commit_and_never_after_rollback()
    {
        await using var pubsub = Create();
        await using var subscription = await pubsub.SubscribeAsync("builds", TestTimeouts.Token()).WithTimeout();
        await using var connection = await database.DataSource.OpenConnectionAsync().WithTimeout();

        await using (var committed = await connection.BeginTransactionAsync().WithTimeout())
        {
            await PostgresPubsub.PublishAsync(committed, "builds", "in-transaction", TestTimeouts.Token()).WithTimeout();
            // Published after the transactional one but committed first, so it must arrive first.
            await pubsub.PublishAsync("builds", "outside", TestTimeouts.Token()).WithTimeout();
            Assert.Equal("outside", await NextPayloadAsync(subscription));
            await committed.CommitAsync().WithTimeout();
        }

        Assert.Equal("in-transaction", await NextPayloadAsync(subscription));

        await using (var rolledBack = await connection.BeginTransactionAsync().WithTimeout())
        {
            await PostgresPubsub.PublishAsync(rolledBack, "builds", "rolled-back", TestTimeouts.Token()).WithTimeout();
            await rolledBack.RollbackAsync().WithTimeout();
        }

        await pubsub.PublishAsync("builds", "sentinel", TestTimeouts.Token()).WithTimeout();
        Assert.Equal("sentinel", await NextPayloadAsync(subscription));
    }

    [Fact]
    public async Task A_full_queue_drops_newer_payloads_behind_exactly_one_marker()
    {
        using var dropped = new CounterRecorder("outpost_pubsub_messages_dropped");
        await using var pubsub = Create(options => options.QueueCapacity = 4);
        await using var slow = await pubsub.SubscribeAsync("burst", TestTimeouts.Token()).WithTimeout();
        await using var fence = await pubsub.SubscribeAsync("fence", TestTimeouts.Token()).WithTimeout();

        for (var i = 0; i < 10; i++)
        {
            await pubsub.PublishAsync("burst", $"m{i}", TestTimeouts.Token()).WithTimeout();
        }

        // One listener receives notifications in commit order, so once the fence has arrived the
        // ten payloads before it have all been offered to the slow subscriber.
        await pubsub.PublishAsync("fence", "done", TestTimeouts.Token()).WithTimeout();
        Assert.Equal("done", await NextPayloadAsync(fence));

        Assert.Equal(5, slow.Reader.Count);
        Assert.Equal(["m0", "m1", "m2", "m3"], [await NextPayloadAsync(slow), await NextPayloadAsync(slow), await NextPayloadAsync(slow), await NextPayloadAsync(slow)]);
        var marker = await slow.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout();
        Assert.True(marker.IsDropped);
        Assert.Equal(PubsubDropReason.Overflow, marker.DropReason);
        Assert.False(slow.Reader.TryRead(out _));
        Assert.Equal(6, dropped.Total);

        await pubsub.PublishAsync("burst", "after", TestTimeouts.Token()).WithTimeout();
        Assert.Equal("after", await NextPayloadAsync(slow));
    }

    [Fact]
    public async Task Subscribers_get_a_marker_when_the_listener_backend_is_terminated_and_messages_flow_again()
    {
        var applicationName = $"outpost-pubsub-{Guid.NewGuid():N}"[..30];
        using var reconnects = new CounterRecorder("outpost_pubsub_reconnects");
        await using var pubsub = Create(options =>
        {
            options.ApplicationName = applicationName;
            options.ReconnectFirstDelay = TimeSpan.FromMilliseconds(10);
        });
        await using var first = await pubsub.SubscribeAsync("agents", TestTimeouts.Token()).WithTimeout();
        await using var second = await pubsub.SubscribeAsync("jobs", TestTimeouts.Token()).WithTimeout();
        await pubsub.PublishAsync("agents", "before", TestTimeouts.Token()).WithTimeout();
        Assert.Equal("before", await NextPayloadAsync(first));
        var killedBackend = pubsub.ListenerProcessId;

        await using (var terminate = database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1"))
        {
            terminate.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
            Assert.Equal(1L, await terminate.ExecuteScalarAsync().WithTimeout());
        }

        foreach (var subscription in new[] { first, second })
        {
            var marker = await subscription.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout();
            Assert.Equal(PubsubDropReason.Reconnected, marker.DropReason);
        }

        await pubsub.PublishAsync("agents", "after", TestTimeouts.Token()).WithTimeout();
        await pubsub.PublishAsync("jobs", "after too", TestTimeouts.Token()).WithTimeout();
        Assert.Equal("after", await NextPayloadAsync(first));
        Assert.Equal("after too", await NextPayloadAsync(second));
        Assert.NotEqual(killedBackend, pubsub.ListenerProcessId);
        Assert.True(reconnects.Total >= 1);
    }

    [Fact]
    public async Task The_payload_limit_is_the_one_PostgreSQL_enforces()
    {
        await using var pubsub = Create();
        await using var subscription = await pubsub.SubscribeAsync("limits", TestTimeouts.Token()).WithTimeout();
        var largest = new string('x', PubsubLimits.MaxPayloadBytes);

        await pubsub.PublishAsync("limits", largest, TestTimeouts.Token()).WithTimeout();
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => pubsub.PublishAsync("limits", largest + "x", TestTimeouts.Token())).WithTimeout();
        // Two bytes per character in UTF-8: 4000 characters are 8000 bytes.
        await Assert.ThrowsAsync<ArgumentException>(() => pubsub.PublishAsync("limits", new string('é', 4000), TestTimeouts.Token())).WithTimeout();
        var postgres = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var raw = database.DataSource.CreateCommand("SELECT pg_notify('limits', repeat('x', 8000))");
            await raw.ExecuteNonQueryAsync();
        }).WithTimeout();

        Assert.Equal(largest, await NextPayloadAsync(subscription));
        Assert.Contains("7999 bytes", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal("22023", postgres.SqlState);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("quote\"d")]
    [InlineData("semicolon;")]
    [InlineData("ünïcode")]
    public async Task Bad_channel_names_are_refused_before_reaching_the_database(string channel)
    {
        await using var pubsub = Create();

        await Assert.ThrowsAsync<ArgumentException>(() => pubsub.SubscribeAsync(channel, TestTimeouts.Token())).WithTimeout();
        await Assert.ThrowsAsync<ArgumentException>(() => pubsub.PublishAsync(channel, "x", TestTimeouts.Token())).WithTimeout();
    }

    [Fact]
    public async Task A_channel_of_63_characters_works_and_64_is_refused()
    {
        await using var pubsub = Create();
        var longest = "prebuild_claimed_" + new string('a', PubsubLimits.MaxChannelBytes - 17);
        await using var subscription = await pubsub.SubscribeAsync(longest, TestTimeouts.Token()).WithTimeout();

        await pubsub.PublishAsync(longest, "claimed", TestTimeouts.Token()).WithTimeout();

        Assert.Equal("claimed", await NextPayloadAsync(subscription));
        await Assert.ThrowsAsync<ArgumentException>(() => pubsub.SubscribeAsync(longest + "a", TestTimeouts.Token())).WithTimeout();
    }

    [Fact]
    public async Task A_thousand_payloads_from_concurrent_publishers_arrive_in_per_publisher_order()
    {
        const int Publishers = 5;
        const int PerPublisher = 200;
        await using var pubsub = Create(options => options.QueueCapacity = Publishers * PerPublisher);
        await using var subscription = await pubsub.SubscribeAsync("load", TestTimeouts.Token()).WithTimeout();

        var publishing = Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < PerPublisher; i++)
            {
                await pubsub.PublishAsync("load", $"{p}:{i}", TestTimeouts.Token());
            }
        })));

        var next = new int[Publishers];
        for (var received = 0; received < Publishers * PerPublisher; received++)
        {
            var parts = (await NextPayloadAsync(subscription)).Split(':');
            var publisher = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(next[publisher], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            next[publisher]++;
        }

        await publishing.WithTimeout();
        Assert.All(next, n => Assert.Equal(PerPublisher, n));
    }

    [Fact]
    public async Task Disposing_the_pubsub_ends_every_subscription()
    {
        var pubsub = Create();
        var subscription = await pubsub.SubscribeAsync("ending", TestTimeouts.Token()).WithTimeout();
        var reading = subscription.ReadAllAsync(TestTimeouts.Token()).ToListAsync().AsTask();

        await pubsub.DisposeAsync().AsTask().WithTimeout();

        Assert.Empty(await reading.WithTimeout());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pubsub.SubscribeAsync("ending", TestTimeouts.Token())).WithTimeout();
        await subscription.DisposeAsync();
    }

    [Fact]
    public async Task An_outbox_publishes_after_the_commit_in_order_and_a_failed_publish_is_logged_not_thrown()
    {
        await using var pubsub = Create();
        await using var subscription = await pubsub.SubscribeAsync("outbox", TestTimeouts.Token()).WithTimeout();
        var log = new RecordingLogger();
        var outbox = new PubsubOutbox(log);
        await using (var connection = await database.DataSource.OpenConnectionAsync().WithTimeout())
        {
            await using var transaction = await connection.BeginTransactionAsync().WithTimeout();
            outbox.Add("outbox", "first");
            outbox.Add("outbox", "second");
            await transaction.CommitAsync().WithTimeout();
            await outbox.PublishAsync(connection).WithTimeout();
        }

        var broken = new PubsubOutbox(log);
        broken.Add("outbox", "never");
        await using (var closed = database.DataSource.CreateConnection())
        {
            await broken.PublishAsync(closed).WithTimeout();
        }

        Assert.Equal("first", await NextPayloadAsync(subscription));
        Assert.Equal("second", await NextPayloadAsync(subscription));
        Assert.Equal(0, outbox.Count);
        var failure = Assert.Single(log.Entries, entry => entry.EventId == 4209);
        Assert.Equal("outbox", failure.Fields["Channel"]);
        Assert.Throws<ArgumentException>(() => broken.Add("", "no channel"));
    }

    private PostgresPubsub Create(Action<PubsubOptions>? configure = null)
    {
        var options = new PubsubOptions();
        configure?.Invoke(options);
        return new PostgresPubsub(database.DataSource, options, TimeProvider.System, NullLogger<PostgresPubsub>.Instance);
    }

    private static async Task<string> NextPayloadAsync(PubsubSubscription subscription)
    {
        var message = await subscription.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout();
        Assert.False(message.IsDropped, $"expected a payload on {subscription.Channel}, got a dropped marker ({message.DropReason})");
        return message.Payload!;
    }
}
