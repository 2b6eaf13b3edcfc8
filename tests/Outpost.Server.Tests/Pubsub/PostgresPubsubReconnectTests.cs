using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Server.Pubsub;
using Outpost.Server.Tests.Streaming;
using Outpost.Testing;

namespace Outpost.Server.Tests.Pubsub;

/// <summary>The listener's backoff and outage behaviour, with the clock under the test's control.</summary>
public sealed class PostgresPubsubReconnectTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task While_the_database_is_unreachable_the_listener_backs_off_exponentially_up_to_the_cap()
    {
        using var errors = new CounterRecorder("outpost_pubsub_listener_errors");
        var time = new ManualTimeProvider();
        // Nothing listens on port 1, so every connection attempt is refused at once.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=outpost;Database=outpost;Timeout=5");
        await using var pubsub = new PostgresPubsub(unreachable, Options(maxDelay: TimeSpan.FromMinutes(4)), time, NullLogger<PostgresPubsub>.Instance);
        using var giveUp = new CancellationTokenSource();
        var subscribing = pubsub.SubscribeAsync("anything", giveUp.Token);

        foreach (var minutes in new[] { 1, 2, 4, 4 })
        {
            var delay = TimeSpan.FromMinutes(minutes);
            await time.WaitForTimerAsync(due => due == delay).WithTimeout();
            time.Advance(delay);
        }

        await time.WaitForTimerAsync(due => due == TimeSpan.FromMinutes(4)).WithTimeout();
        Assert.False(subscribing.IsCompleted);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => subscribing).WithTimeout();
        Assert.True(errors.Total >= 5);
    }

    [Fact]
    public async Task A_subscribe_during_an_outage_completes_after_the_reconnect_and_only_older_subscribers_get_a_marker()
    {
        var time = new ManualTimeProvider();
        var applicationName = $"outpost-outage-{Guid.NewGuid():N}"[..30];
        var options = Options(maxDelay: FirstDelay);
        options.ApplicationName = applicationName;
        await using var pubsub = new PostgresPubsub(database.DataSource, options, time, NullLogger<PostgresPubsub>.Instance);
        await using var older = await pubsub.SubscribeAsync("outage", TestTimeouts.Token()).WithTimeout();

        await using (var terminate = database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1"))
        {
            terminate.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
            Assert.Equal(1L, await terminate.ExecuteScalarAsync().WithTimeout());
        }

        await time.WaitForTimerAsync(due => due == FirstDelay).WithTimeout();
        // No listener now: this notification is lost, which is what the marker will announce.
        await pubsub.PublishAsync("outage", "lost", TestTimeouts.Token()).WithTimeout();
        var joining = pubsub.SubscribeAsync("outage", TestTimeouts.Token());
        Assert.False(joining.IsCompleted);

        time.Advance(FirstDelay);
        await using var newer = await joining.WithTimeout();
        await pubsub.PublishAsync("outage", "after", TestTimeouts.Token()).WithTimeout();

        var olderFirst = await older.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout();
        Assert.Equal(PubsubDropReason.Reconnected, olderFirst.DropReason);
        Assert.Equal("after", (await older.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout()).Payload);
        var newerFirst = await newer.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout();
        Assert.Equal("after", newerFirst.Payload);
    }

    private static PubsubOptions Options(TimeSpan maxDelay) => new()
    {
        ReconnectFirstDelay = FirstDelay,
        ReconnectMaxDelay = maxDelay,
        // Far beyond anything the tests advance, so the health check never fires.
        HealthCheckInterval = TimeSpan.FromDays(1),
    };
}
