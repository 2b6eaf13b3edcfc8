using Outpost.Agent.ControlPlane;

namespace Outpost.Agent.Tests;

public sealed class BackoffTests
{
    [Fact]
    public void Delays_double_from_the_minimum_and_stop_at_the_maximum()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random: static () => 0.5);

        var delays = Enumerable.Range(1, 10).Select(a => backoff.Delay(a).TotalMilliseconds);

        Assert.Equal([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000], delays);
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Delay(int.MaxValue));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.999)]
    public void Jitter_moves_a_delay_by_at_most_a_fifth_and_never_outside_the_bounds(double random)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random: () => random);

        foreach (var attempt in Enumerable.Range(1, 12))
        {
            var plain = Math.Min(10_000, 100 * Math.Pow(2, attempt - 1));
            var delay = backoff.Delay(attempt).TotalMilliseconds;
            Assert.InRange(delay, Math.Max(100, plain * 0.8) - 0.01, Math.Min(10_000, plain * 1.2) + 0.01);
        }
    }

    [Fact]
    public void Two_agents_with_different_luck_do_not_retry_in_lockstep()
    {
        var low = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random: static () => 0.1);
        var high = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random: static () => 0.9);

        Assert.NotEqual(low.Delay(4), high.Delay(4));
    }
}
