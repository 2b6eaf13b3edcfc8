using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Provisionerd;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class AcquireWaitersTests : IAsyncDisposable
{
    private static readonly string[] Local = ["local"];

    private readonly InMemoryPubsub _pubsub = new();
    private readonly AcquireWaiters _waiters;

    public AcquireWaitersTests()
    {
        _waiters = new AcquireWaiters(_pubsub, NullLogger<AcquireWaiters>.Instance);
    }

    [Fact]
    public async Task One_queued_job_wakes_exactly_one_waiting_daemon_the_longest_waiting()
    {
        var first = await _waiters.RegisterAsync(Local, TestTimeouts.Token());
        var second = await _waiters.RegisterAsync(Local, TestTimeouts.Token());
        var third = await _waiters.RegisterAsync(Local, TestTimeouts.Token());

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "local", TestTimeouts.Token());
        await first.Woken.WithTimeout();

        Assert.False(second.Woken.IsCompleted);
        Assert.False(third.Woken.IsCompleted);
        await _pubsub.PublishAsync(JobEvents.WakeChannel, "local", TestTimeouts.Token());
        await second.Woken.WithTimeout();
        Assert.False(third.Woken.IsCompleted);
        third.Dispose();
    }

    [Fact]
    public async Task A_waiter_that_left_passes_the_wake_up_to_the_next()
    {
        var gone = await _waiters.RegisterAsync(Local, TestTimeouts.Token());
        var next = await _waiters.RegisterAsync(Local, TestTimeouts.Token());
        gone.Dispose();

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "local", TestTimeouts.Token());

        await next.Woken.WithTimeout();
    }

    [Fact]
    public async Task A_job_wakes_the_longest_waiting_daemon_that_runs_its_provisioner()
    {
        var terraform = await _waiters.RegisterAsync(["terraform"], TestTimeouts.Token());
        var local = await _waiters.RegisterAsync(["terraform", "local"], TestTimeouts.Token());

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "local", TestTimeouts.Token());
        await local.Woken.WithTimeout();
        Assert.False(terraform.Woken.IsCompleted);

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "terraform", TestTimeouts.Token());
        await terraform.Woken.WithTimeout();
    }

    [Fact]
    public async Task A_waiter_woken_as_its_poll_ends_passes_the_wake_up_on_but_one_that_claims_does_not()
    {
        var timedOut = await _waiters.RegisterAsync(Local, TestTimeouts.Token());
        var claiming = await _waiters.RegisterAsync(Local, TestTimeouts.Token());
        var last = await _waiters.RegisterAsync(Local, TestTimeouts.Token());

        await _pubsub.PublishAsync(JobEvents.WakeChannel, "local", TestTimeouts.Token());
        await timedOut.Woken.WithTimeout();
        timedOut.Dispose();
        await claiming.Woken.WithTimeout();
        claiming.Claiming();
        claiming.Dispose();

        Assert.False(last.Woken.IsCompleted);
        last.Dispose();
    }

    [Fact]
    public async Task Missed_messages_wake_every_waiter()
    {
        var waiters = new[]
        {
            await _waiters.RegisterAsync(Local, TestTimeouts.Token()),
            await _waiters.RegisterAsync(Local, TestTimeouts.Token()),
            await _waiters.RegisterAsync(Local, TestTimeouts.Token()),
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
