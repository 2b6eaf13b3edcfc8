using Microsoft.Extensions.Logging;
using Npgsql;

namespace Outpost.Server.Pubsub;

/// <summary>
/// The pubsub over PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c>. One dedicated connection per process,
/// taken from the data source and held for as long as the pubsub lives, listens for every channel
/// that has a subscriber (one LISTEN per channel however many subscribers share it, UNLISTEN when
/// the last one goes) and fans notifications out to the subscribers' bounded queues.
/// </summary>
/// <remarks>
/// One background loop owns the listener connection, because an Npgsql connection runs one
/// operation at a time: it waits for notifications and, when woken, issues the LISTEN/UNLISTEN
/// commands that bring the connection in line with the subscribers. If the connection breaks
/// (PostgreSQL restarted, the backend was terminated, the health check failed) it reconnects with
/// capped exponential backoff, listens again for every channel and only then gives each affected
/// subscriber a dropped marker, so that the resync the marker triggers cannot miss a change.
/// </remarks>
internal sealed partial class PostgresPubsub : IPubsub, IAsyncDisposable
{
    private const string NotifySql = "SELECT pg_notify($1, $2)";

    // One statement text whatever the count, so it is prepared once; the ordinality keeps list order.
    private const string NotifyManySql = "SELECT pg_notify(m.channel, m.payload) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS m(channel, payload, n) ORDER BY m.n";

    private readonly NpgsqlDataSource _dataSource;
    private readonly PubsubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SubscriberRegistry _registry = new();
    private readonly HashSet<string> _listening = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _wakeGate = new();
    private readonly Queue<TaskCompletionSource<IReadOnlyList<string>>> _probes = new();
    private CancellationTokenSource? _waitCancellation;
    private NpgsqlConnection? _listenerConnection;
    private bool _syncRequested;
    private Task? _loop;
    private volatile int _listenerProcessId;
    private int _disposed;

    public PostgresPubsub(NpgsqlDataSource dataSource, PubsubOptions options, TimeProvider time, ILogger<PostgresPubsub> logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _dataSource = dataSource;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The backend process id of the listener connection, or 0 while it is not connected.</summary>
    internal int ListenerProcessId => _listenerProcessId;

    public async Task<PubsubSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        PubsubLimits.ValidateChannel(channel);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var queue = new SubscriberQueue(_options.QueueCapacity);
        var ready = _registry.Add(channel, queue);
        var subscription = new PubsubSubscription(channel, queue, Unsubscribe);
        PubsubMetrics.Subscribers.Add(1);
        EnsureStarted();
        if (!ready.IsCompletedSuccessfully)
        {
            // Only a channel the listener is not yet listening to needs the loop woken for a LISTEN.
            RequestSync();
        }

        try
        {
            await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The readiness task is canceled only when the pubsub is being disposed.
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(PostgresPubsub));
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return subscription;
    }

    public async Task PublishAsync(string channel, string payload, CancellationToken cancellationToken)
    {
        PubsubLimits.ValidateChannel(channel);
        PubsubLimits.ValidatePayload(payload);
        await using var command = _dataSource.CreateCommand(NotifySql);
        AddNotifyParameters(command, channel, payload);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        PubsubMetrics.Published.Add(1);
    }

    /// <summary>
    /// Publishes as part of the caller's transaction: PostgreSQL holds the notification until the
    /// transaction commits and discards it on rollback, which is how "published after commit" is
    /// kept without a second step that could be lost. Notifications of one transaction arrive in the
    /// order they were issued, after those of transactions that committed earlier. PostgreSQL folds
    /// identical payloads on one channel within one transaction into a single notification.
    /// </summary>
    /// <exception cref="ArgumentException">The channel or payload breaks <see cref="PubsubLimits"/>, or the transaction has completed.</exception>
    public static async Task PublishAsync(NpgsqlTransaction transaction, string channel, string payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        PubsubLimits.ValidateChannel(channel);
        PubsubLimits.ValidatePayload(payload);
        var connection = transaction.Connection
            ?? throw new ArgumentException("The transaction has already been committed or rolled back.", nameof(transaction));
        await using var command = new NpgsqlCommand(NotifySql, connection, transaction);
        AddNotifyParameters(command, channel, payload);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        PubsubMetrics.Published.Add(1);
    }

    /// <summary>
    /// Publishes several messages as part of the caller's transaction in one statement (one round
    /// trip), in list order; otherwise exactly like the single-message overload.
    /// </summary>
    /// <exception cref="ArgumentException">A channel or payload breaks <see cref="PubsubLimits"/>, or the transaction has completed.</exception>
    public static Task PublishAsync(NpgsqlTransaction transaction, IReadOnlyList<(string Channel, string Payload)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection
            ?? throw new ArgumentException("The transaction has already been committed or rolled back.", nameof(transaction));
        return PublishManyAsync(connection, transaction, messages, cancellationToken);
    }

    /// <summary>
    /// Publishes several messages in one statement on <paramref name="connection"/>, outside any
    /// transaction (see <see cref="PubsubOutbox"/>), in list order.
    /// </summary>
    public static Task PublishAsync(NpgsqlConnection connection, IReadOnlyList<(string Channel, string Payload)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return PublishManyAsync(connection, null, messages, cancellationToken);
    }

    private static async Task PublishManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<(string Channel, string Payload)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var channels = new string[messages.Count];
        var payloads = new string[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            PubsubLimits.ValidateChannel(messages[i].Channel, nameof(messages));
            PubsubLimits.ValidatePayload(messages[i].Payload, nameof(messages));
            (channels[i], payloads[i]) = messages[i];
        }

        await using var command = new NpgsqlCommand(NotifyManySql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = channels });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        PubsubMetrics.Published.Add(messages.Count);
    }

    /// <summary>The channels the listener connection is listening to, as PostgreSQL reports them (for tests and diagnostics).</summary>
    internal async Task<IReadOnlyList<string>> ListeningChannelsAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var probe = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_wakeGate)
        {
            _probes.Enqueue(probe);
        }

        EnsureStarted();
        Wake();
        return await probe.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long disposal waits for the listener to stop on its own before closing its connection (real time: a shutdown bound).</summary>
    private static readonly TimeSpan ListenerStopBound = TimeSpan.FromSeconds(5);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Wake();
        Task? loop;
        lock (_wakeGate)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            try
            {
                await loop.WaitAsync(ListenerStopBound).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Npgsql may not end a notification wait on cancellation (PostgreSQL ignores a cancel
                // request to an idle backend); closing the listener's own, unpooled connection ends it.
                if (Volatile.Read(ref _listenerConnection) is { } listener)
                {
                    await DisposeQuietlyAsync(listener).ConfigureAwait(false);
                }

                await loop.ConfigureAwait(false);
            }
        }

        PubsubMetrics.Subscribers.Add(-_registry.Close());
        lock (_wakeGate)
        {
            while (_probes.TryDequeue(out var probe))
            {
                probe.TrySetCanceled();
            }
        }

        _stopping.Dispose();
    }

    private static void AddNotifyParameters(NpgsqlCommand command, string channel, string payload)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
    }

    private void Unsubscribe(PubsubSubscription subscription)
    {
        if (_registry.Remove(subscription.Channel, subscription.Queue, out var lastOfChannel))
        {
            PubsubMetrics.Subscribers.Add(-1);
            if (lastOfChannel)
            {
                RequestSync();
            }
        }
    }

    private void EnsureStarted()
    {
        lock (_wakeGate)
        {
            if (_loop is null && !_stopping.IsCancellationRequested)
            {
                _loop = Task.Run(RunAsync);
            }
        }
    }

    private void RequestSync()
    {
        lock (_wakeGate)
        {
            _syncRequested = true;
        }

        Wake();
    }

    private void Wake()
    {
        // Canceling under the lock means the loop never disposes a source that is being canceled.
        lock (_wakeGate)
        {
            _waitCancellation?.Cancel();
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        PubsubMetrics.Received.Add(1);
        var delivery = _registry.Deliver(e.Channel, e.Payload);
        if (delivery.Dropped > 0)
        {
            PubsubMetrics.Dropped.Add(delivery.Dropped);
        }

        // Once per run of drops, not per payload, so a stuck consumer cannot flood the log.
        if (delivery.Overflowed > 0)
        {
            Log.SubscriberOverflow(_logger, e.Channel, delivery.Overflowed, _options.QueueCapacity);
        }
    }
}
