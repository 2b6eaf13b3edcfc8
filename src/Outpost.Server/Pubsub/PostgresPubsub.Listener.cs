using Npgsql;

namespace Outpost.Server.Pubsub;

internal sealed partial class PostgresPubsub
{
    /// <summary>
    /// The listener's connection is its own, outside the pool: its session state (LISTEN, its
    /// application_name) must never be handed to a request, and the server's pool does not reset
    /// session state on return (No Reset On Close). It keeps the data source's credentials.
    /// </summary>
    private NpgsqlConnection CreateListenerConnection()
    {
        using var template = _dataSource.CreateConnection();
        return template.CloneWith(new NpgsqlConnectionStringBuilder(template.ConnectionString) { Pooling = false }.ConnectionString);
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        var delay = _options.ReconnectFirstDelay;
        var attempt = 0;
        var connectedBefore = false;
        while (!stopping.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            var opened = false;
            try
            {
                attempt++;
                connection = CreateListenerConnection();
                Volatile.Write(ref _listenerConnection, connection);
                await connection.OpenAsync(stopping).ConfigureAwait(false);
                opened = true;
                connection.Notification += OnNotification;
                await using (var name = new NpgsqlCommand("SELECT set_config('application_name', $1, false)", connection))
                {
                    name.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _options.ApplicationName });
                    await name.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                _listening.Clear();
                lock (_wakeGate)
                {
                    _syncRequested = true;
                }

                var resynced = await SyncAsync(connection, stopping).ConfigureAwait(false);
                _listenerProcessId = connection.ProcessID;
                if (connectedBefore)
                {
                    PubsubMetrics.Reconnects.Add(1);
                    Log.Reconnected(_logger, attempt, _listening.Count, resynced);
                }
                else
                {
                    Log.ListenerStarted(_logger, connection.ProcessID, _options.ApplicationName);
                }

                connectedBefore = true;
                attempt = 0;
                delay = _options.ReconnectFirstDelay;
                await ListenAsync(connection, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The listener must survive any failure: log, count, back off, carry on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _listenerProcessId = 0;
                _registry.MarkAllUnready();
                PubsubMetrics.ListenerErrors.Add(1);
                if (opened)
                {
                    // The listener's session broke: PostgreSQL restarted or the network dropped, and
                    // the pool's idle connections went with it. The listener's connection is not
                    // pooled, so Npgsql cannot see that; clearing the pool now spares the next
                    // requests a dead connection.
                    _dataSource.Clear();
                }

                Log.ListenerFailed(_logger, attempt, Describe(e), delay.TotalMilliseconds, e);
                try
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
            finally
            {
                _listenerProcessId = 0;
                if (connection is not null)
                {
                    Volatile.Write(ref _listenerConnection, null);
                    connection.Notification -= OnNotification;
                    await DisposeQuietlyAsync(connection).ConfigureAwait(false);
                }
            }
        }

        Log.ListenerStopped(_logger);
    }

    /// <summary>The longest a wake (a new subscriber, a probe, a stop) waits when a canceled wait is not ended by PostgreSQL.</summary>
    private const int WakePollMilliseconds = 1000;

    /// <summary>Waits for notifications until the connection fails; returns only by throwing.</summary>
    private async Task ListenAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        while (true)
        {
            await SyncAsync(connection, stopping).ConfigureAwait(false);
            await AnswerProbesAsync(connection, stopping).ConfigureAwait(false);

            CancellationTokenSource wait;
            lock (_wakeGate)
            {
                wait = new CancellationTokenSource(_options.HealthCheckInterval, _time);
                _waitCancellation = wait;
                if (_syncRequested || _probes.Count > 0 || stopping.IsCancellationRequested)
                {
                    wait.Cancel();
                }
            }

            try
            {
                // Notifications are delivered by OnNotification on this thread while the wait runs. Npgsql
                // ends a canceled wait with a cancel request, which PostgreSQL can ignore for an idle
                // backend; so the wait also ends on its own every WakePollMilliseconds and looks again.
                while (!await connection.WaitAsync(WakePollMilliseconds, wait.Token).ConfigureAwait(false))
                {
                    wait.Token.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                bool woken;
                lock (_wakeGate)
                {
                    woken = _syncRequested || _probes.Count > 0;
                }

                if (!woken)
                {
                    // Idle for a whole interval: prove the connection is still there.
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }
            }
            finally
            {
                lock (_wakeGate)
                {
                    _waitCancellation = null;
                }

                wait.Dispose();
            }
        }
    }

    /// <summary>
    /// Brings LISTEN/UNLISTEN in line with the subscribed channels, repeating while subscribers keep
    /// changing, and marks each listened channel ready. Returns how many subscribers were told they
    /// missed messages.
    /// </summary>
    private async Task<int> SyncAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        var resynced = 0;
        while (true)
        {
            lock (_wakeGate)
            {
                if (!_syncRequested)
                {
                    return resynced;
                }

                _syncRequested = false;
            }

            var wanted = _registry.Channels();
            foreach (var channel in wanted)
            {
                if (!_listening.Contains(channel))
                {
                    await ExecuteAsync(connection, "LISTEN " + PubsubLimits.Quote(channel), stopping).ConfigureAwait(false);
                    _listening.Add(channel);
                    Log.Listening(_logger, channel);
                }
            }

            foreach (var channel in _listening.Except(wanted, StringComparer.Ordinal).ToList())
            {
                await ExecuteAsync(connection, "UNLISTEN " + PubsubLimits.Quote(channel), stopping).ConfigureAwait(false);
                _listening.Remove(channel);
                Log.Unlistened(_logger, channel);
            }

            foreach (var channel in wanted)
            {
                resynced += _registry.MarkReady(channel);
            }
        }
    }

    private async Task AnswerProbesAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        while (true)
        {
            TaskCompletionSource<IReadOnlyList<string>>? probe;
            lock (_wakeGate)
            {
                if (!_probes.TryDequeue(out probe))
                {
                    return;
                }
            }

            var channels = new List<string>();
            await using (var command = new NpgsqlCommand("SELECT pg_listening_channels()", connection))
            {
                await using var reader = await command.ExecuteReaderAsync(stopping).ConfigureAwait(false);
                while (await reader.ReadAsync(stopping).ConfigureAwait(false))
                {
                    channels.Add(reader.GetString(0));
                }
            }

            probe.TrySetResult(channels);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DisposeQuietlyAsync(NpgsqlConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A broken connection may fail to close; the pool discards it either way.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.CloseFailed(_logger, Describe(e));
        }
    }

    private static string Describe(Exception e) => e switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        _ when e.InnerException is not null => $"{e.Message} ({e.InnerException.Message})",
        _ => e.Message,
    };
}
