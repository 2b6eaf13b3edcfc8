namespace Outpost.Agent.ControlPlane;

/// <summary>
/// Exponential backoff with jitter: attempt 1 waits about <see cref="Min"/>, each further attempt twice
/// as long, never more than <see cref="Max"/>. The jitter (±<see cref="JitterFraction"/>) keeps a fleet of
/// agents that lost the same server from reconnecting in lockstep.
/// </summary>
internal sealed class Backoff
{
    public Backoff(TimeSpan min, TimeSpan max, double jitterFraction = 0.2, Func<double>? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        ArgumentOutOfRangeException.ThrowIfNegative(jitterFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(jitterFraction, 1);
        Min = min;
        Max = max;
        JitterFraction = jitterFraction;
        Random = random ?? System.Random.Shared.NextDouble;
    }

    /// <summary>The agent's default: 100 ms to 10 s (issue 6).</summary>
    public static Backoff Default() => new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    public TimeSpan Min { get; }

    public TimeSpan Max { get; }

    public double JitterFraction { get; }

    /// <summary>A number in [0, 1); tests pass a fixed one.</summary>
    public Func<double> Random { get; }

    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based), within [<see cref="Min"/>, <see cref="Max"/>].</summary>
    public TimeSpan Delay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var baseTicks = Math.Min(Max.Ticks, Min.Ticks * Math.Pow(2, exponent));
        var jittered = baseTicks * (1 + (JitterFraction * ((2 * Random()) - 1)));
        return TimeSpan.FromTicks((long)Math.Clamp(jittered, Min.Ticks, Max.Ticks));
    }
}
