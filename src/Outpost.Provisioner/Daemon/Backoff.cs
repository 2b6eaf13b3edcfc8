namespace Outpost.Provisioner.Daemon;

/// <summary>Capped exponential backoff with jitter, so daemons that lost the server together do not return together.</summary>
internal static class Backoff
{
    /// <summary>
    /// The delay before retry number <paramref name="attempt"/> (1-based): initial × 2^(attempt−1),
    /// capped at <paramref name="max"/>, then scaled into [50 %, 100 %] by <paramref name="jitter"/> in [0, 1).
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var raw = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(raw * (0.5 + (Math.Clamp(jitter, 0, 1) / 2)));
    }

    public static TimeSpan Delay(int attempt, ProvisionerDaemonOptions options) =>
        Delay(attempt, options.RetryInitialDelay, options.RetryMaxDelay, Random.Shared.NextDouble());
}
