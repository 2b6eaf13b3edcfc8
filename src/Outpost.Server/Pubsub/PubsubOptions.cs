namespace Outpost.Server.Pubsub;

/// <summary>Tuning for the pubsub; the defaults suit a server. Checked at start by <see cref="PubsubOptionsValidator"/>.</summary>
internal sealed class PubsubOptions
{
    /// <summary>Payloads that may wait per subscriber before newer ones are dropped.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>First wait before reopening a broken listener connection; it doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectFirstDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the listener may sit idle before it checks its connection with a query. A peer that
    /// vanished without closing TCP would otherwise leave the listener waiting forever.
    /// </summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>application_name</c> of the listener connection, so operators can find it in <c>pg_stat_activity</c>.</summary>
    public string ApplicationName { get; set; } = "outpost-pubsub";

    /// <summary>Every problem at once, empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (QueueCapacity < 1)
        {
            errors.Add($"{nameof(QueueCapacity)} must be at least 1; got {QueueCapacity}.");
        }

        if (ReconnectFirstDelay <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(ReconnectFirstDelay)} must be positive; got {ReconnectFirstDelay}.");
        }

        if (ReconnectMaxDelay < ReconnectFirstDelay)
        {
            errors.Add($"{nameof(ReconnectMaxDelay)} ({ReconnectMaxDelay}) must not be shorter than {nameof(ReconnectFirstDelay)} ({ReconnectFirstDelay}).");
        }

        if (HealthCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(HealthCheckInterval)} must be positive; got {HealthCheckInterval}.");
        }

        if (string.IsNullOrWhiteSpace(ApplicationName) || ApplicationName.Length > 63)
        {
            errors.Add($"{nameof(ApplicationName)} must be 1 to 63 characters long.");
        }

        return errors;
    }
}
