namespace Outpost.Server.Pubsub;

/// <summary>
/// Cross-replica notifications: small payloads (ids, not documents) published on named channels
/// and fanned out to every subscriber of that channel on every server replica.
/// </summary>
/// <remarks>
/// Delivery is at most once and may be lost (a full queue, a broken listener connection); every
/// possible loss is announced to the affected subscribers with a dropped marker
/// (<see cref="PubsubMessage.IsDropped"/>), after which the consumer must re-read what it watches
/// from the database. Payloads published by one caller, one after the other, arrive in that order.
/// To publish as part of a database transaction, so that nothing is sent unless it commits, use
/// <see cref="PostgresPubsub.PublishAsync(Npgsql.NpgsqlTransaction, string, string, CancellationToken)"/>.
/// </remarks>
internal interface IPubsub
{
    /// <summary>
    /// Subscribes to <paramref name="channel"/> and returns once the subscription is live: anything
    /// published after this returns is either delivered or announced as dropped. That makes the
    /// "subscribe first, then read the database" pattern safe. While the database is unreachable this
    /// waits for the listener to reconnect, bounded by <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The channel name is not valid (see <see cref="PubsubLimits.ValidateChannel"/>).</exception>
    public Task<PubsubSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken);

    /// <summary>Publishes a payload now (its own transaction).</summary>
    /// <exception cref="ArgumentException">The channel or payload breaks <see cref="PubsubLimits"/>.</exception>
    public Task PublishAsync(string channel, string payload, CancellationToken cancellationToken);
}
