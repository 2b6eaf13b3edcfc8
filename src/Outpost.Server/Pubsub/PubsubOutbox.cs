using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Pubsub;

/// <summary>
/// The messages a transaction announces, published on its connection once it has committed.
/// </summary>
/// <remarks>
/// A NOTIFY inside a transaction makes its commit wait for PostgreSQL's database-wide notify lock,
/// WAL flush included, so concurrent notifying transactions commit one at a time; on the daemon
/// paths that cost more than the work itself (bench/README.md). Published after the commit, in a
/// statement of its own that writes nothing, the lock is held for microseconds. The price: if the
/// process dies between the commit and the publish, the messages are lost. Every consumer copes:
/// watches and log follows re-read on a timer, daemons' long polls end and claim again.
/// </remarks>
internal sealed partial class PubsubOutbox(ILogger logger)
{
    // Created on the first message: most heartbeats have nothing to announce.
    private List<(string Channel, string Payload)>? _messages;

    public int Count => _messages?.Count ?? 0;

    /// <exception cref="ArgumentException">The channel or payload breaks <see cref="PubsubLimits"/>.</exception>
    public void Add(string channel, string payload)
    {
        PubsubLimits.ValidateChannel(channel);
        PubsubLimits.ValidatePayload(payload);
        (_messages ??= new(3)).Add((channel, payload));
    }

    /// <summary>
    /// Publishes everything added, in order, on <paramref name="connection"/> (outside any
    /// transaction: call it after the commit). A failure is logged, never thrown: the change it
    /// announces has committed, and the request that made it succeeded.
    /// </summary>
    public async Task PublishAsync(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (_messages is not { Count: > 0 })
        {
            return;
        }

        try
        {
            // Not the request's token: a client that hangs up after the commit must not cost its subscribers the news.
            await PostgresPubsub.PublishAsync(connection, _messages, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            PubsubMetrics.PublishFailures.Add(_messages.Count);
            Log.PublishFailed(logger, _messages.Count, _messages[0].Channel, e.Message);
        }

        _messages.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 9, Level = LogLevel.Warning,
            Message = "Could not publish {Count} message(s) (first on {Channel}) after their change committed: {Reason}; watchers catch up at their next re-read")]
        public static partial void PublishFailed(ILogger logger, int count, string channel, string reason);
    }
}
