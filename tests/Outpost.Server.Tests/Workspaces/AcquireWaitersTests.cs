using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Provisionerd;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class AcquireWaitersTests : IAsyncDisposable
{
    private readonly InMemoryPubsub _pubsub = new();
    private readonly AcquireWaiters _waiters;

    public AcquireWaitersTests()
    {
        _waiters = new AcquireWaiters(_pubsub, NullLogger<AcquireWaiters>.Instance);
    }

    [Fact]
    public async Task One_queued_job_wakes_exactly_one_waiting_daemon_the_longest_waiting()
    {
        var first = await _waiters.RegisterAsync(TestTimeouts.Token());
        var second = await _waiters.RegisterAsync(TestTimeouts.Token());
        var third = await _waiters.RegisterAsync(TestTimeouts.Token());

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "job", TestTimeouts.Token());
        await first.Woken.WithTimeout();

        Assert.False(second.Woken.IsCompleted);
        Assert.False(third.Woken.IsCompleted);
        await _pubsub.PublishAsync(JobEvents.WakeChannel, "job", TestTimeouts.Token());
        await second.Woken.WithTimeout();
        Assert.False(third.Woken.IsCompleted);
        third.Dispose();
    }

    [Fact]
    public async Task A_waiter_that_left_passes_the_wake_up_to_the_next()
    {
        var gone = await _waiters.RegisterAsync(TestTimeouts.Token());
        var next = await _waiters.RegisterAsync(TestTimeouts.Token());
        gone.Dispose();

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "job", TestTimeouts.Token());

        await next.Woken.WithTimeout();
    }

    [Fact]
    public async Task Missed_messages_wake_every_waiter()
    {
        var waiters = new[]
        {
            await _waiters.RegisterAsync(TestTimeouts.Token()),
            await _waiters.RegisterAsync(TestTimeouts.Token()),
            await _waiters.RegisterAsync(TestTimeouts.Token()),
        };

        _pubsub.SimulateReconnect();

        await Task.WhenAll(waiters.Select(w => w.Woken)).WithTimeout();
    }

    public async ValueTask DisposeAsync()
    {
        await _waiters.DisposeAsync();
        await _pubsub.DisposeAsync();
    }
}
