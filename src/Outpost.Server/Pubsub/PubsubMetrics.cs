using System.Diagnostics.Metrics;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Pubsub;

/// <summary>
/// The pubsub instruments on the server's meter. Channels are not labels: they embed workspace
/// and owner ids, which would make the series unbounded.
/// </summary>
internal static class PubsubMetrics
{
    public static Counter<long> Published { get; } = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_pubsub_messages_published", "{message}",
        "Payloads handed to PostgreSQL with pg_notify (inside a transaction, sent only if it commits, or just after its commit).");

    public static Counter<long> PublishFailures { get; } = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_pubsub_publish_failures", "{message}",
        "Messages that could not be published after their transaction committed (see PubsubOutbox).");

    public static Counter<long> Received { get; } = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_pubsub_messages_received", "{message}",
        "Notifications received by this process's listener, before fan-out to subscribers.");

    public static Counter<long> Dropped { get; } = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_pubsub_messages_dropped", "{message}",
        "Payloads discarded because a subscriber's queue was full (one per subscriber that missed it).");

    public static Counter<long> Reconnects { get; } = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_pubsub_reconnects", "{reconnect}",
        "Times the listener connection was re-established after it broke.");

    public static Counter<long> ListenerErrors { get; } = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_pubsub_listener_errors", "{error}",
        "Failures of the listener connection (connect, LISTEN, wait or health check).");

    public static UpDownCounter<long> Subscribers { get; } = ServerDiagnostics.Meter.CreateUpDownCounter<long>(
        "outpost_pubsub_subscribers", "{subscriber}",
        "Live subscriptions in this process.");

    /// <summary>Touches the instruments so they exist before the first scrape.</summary>
    public static void EnsureInstruments() => GC.KeepAlive(Subscribers);
}
