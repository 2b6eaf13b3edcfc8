using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Server.Sessions;

namespace Outpost.Server.Connections;

/// <summary>
/// Keeps this replica's open connection-log rows vouched for, and closes rows that a crashed replica left open
/// (once at start, then every <see cref="SessionRelayOptions.ConnectionHeartbeat"/>). A failed pass is logged and
/// retried at the next one.
/// </summary>
internal sealed class ConnectionLogSweeper(ConnectionLogStore store, SessionRelayOptions options, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger(SessionRelayLog.Category);

    /// <summary>One pass: vouch for ours, close the abandoned; returns how many were closed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.HeartbeatAsync(now, cancellationToken).ConfigureAwait(false);
        var closed = await store.CloseAbandonedAsync(now - options.ConnectionStaleAfter, cancellationToken).ConfigureAwait(false);
        if (closed > 0)
        {
            SessionRelayLog.AbandonedClosed(_logger, closed, options.ConnectionStaleAfter.TotalSeconds);
        }

        return closed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                SessionRelayLog.RecordFailed(_logger, "the connection-log sweep", ex.Message);
            }

            try
            {
                await Task.Delay(options.ConnectionHeartbeat, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
