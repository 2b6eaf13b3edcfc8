using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Daemon;

public sealed class JobLogBufferTests
{
    private static JobLogBuffer Buffer(int capacity, Action? wake = null) => new(new FakeTimeProvider(), capacity, batchSize: 2, wake ?? (() => { }));

    [Fact]
    public void Lines_beyond_capacity_are_dropped_and_replaced_by_one_line_that_counts_them()
    {
        var buffer = Buffer(capacity: 3);
        foreach (var text in new[] { "a", "b", "c", "d", "e" })
        {
            buffer.Info("s", text);
        }

        Assert.Equal(["a", "b"], buffer.Take(2).Select(line => line.Output));
        buffer.Info("s", "f");

        var rest = buffer.Take(10);
        Assert.Equal(["c", "2 log lines dropped: the provisioner wrote faster than the daemon could send them", "f"], rest.Select(line => line.Output));
        Assert.Equal(ProvisionerLogSource.ProvisionerDaemon, rest[1].Source);
        Assert.Equal(2, buffer.TotalDropped);
        Assert.False(buffer.HasLines);
    }

    [Fact]
    public void Drops_at_the_end_of_the_output_are_still_reported()
    {
        var buffer = Buffer(capacity: 1);
        buffer.Info("s", "kept");
        buffer.Info("s", "lost");

        Assert.Equal(["kept", "1 log lines dropped: the provisioner wrote faster than the daemon could send them"], buffer.Take(10).Select(line => line.Output));
    }

    [Fact]
    public void Multi_line_output_becomes_one_line_each_and_long_lines_are_cut()
    {
        var buffer = Buffer(capacity: 10);
        buffer.Info("s", "one\r\ntwo\n" + new string('x', JobLogBuffer.MaxLineLength + 10));

        var lines = buffer.Take(10);
        Assert.Equal(["one", "two"], lines.Take(2).Select(line => line.Output));
        Assert.EndsWith("(line truncated)", lines[2].Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sender_is_woken_by_the_first_line_and_by_a_full_batch()
    {
        var wakes = 0;
        var buffer = Buffer(capacity: 10, () => wakes++);
        buffer.Info("s", "1");
        buffer.Info("s", "2");
        buffer.Info("s", "3");

        Assert.Equal(2, wakes);
    }
}

public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(3, 4000)]
    [InlineData(6, 30000)]
    [InlineData(60, 30000)]
    public void Delays_double_up_to_the_cap_and_jitter_takes_off_at_most_half(int attempt, int fullMs)
    {
        var initial = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(30);

        Assert.Equal(TimeSpan.FromMilliseconds(fullMs), Backoff.Delay(attempt, initial, max, jitter: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(fullMs / 2.0), Backoff.Delay(attempt, initial, max, jitter: 0));
    }
}
