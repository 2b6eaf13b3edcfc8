using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Database;

/// <summary>Waits at start for the database to accept connections, with a bounded backoff.</summary>
internal static partial class DatabaseConnector
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>Null once a connection succeeds; otherwise the last reason, after <paramref name="timeout"/>.</summary>
    public static async Task<string?> WaitUntilReachableAsync(
        NpgsqlDataSource dataSource, TimeSpan timeout, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        var attempt = 0;
        while (true)
        {
            attempt++;
            string reason;
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (PostgresException e) when (e.SqlState is "28P01" or "28000" or "3D000")
            {
                // Wrong password, no such role, no such database: retrying cannot fix these.
                return $"the database refused the connection: {e.MessageText}. Check --postgres-url.";
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
            {
                reason = e.InnerException is SocketException socket ? socket.Message : e.Message;
            }

            var elapsed = time.GetElapsedTime(started);
            if (elapsed + delay > timeout)
            {
                return $"the database is unreachable after {attempt} attempts over {elapsed.TotalSeconds:F0} s: {reason}. " +
                    "Check that PostgreSQL is running and that --postgres-url points at it.";
            }

            Log.Unreachable(logger, attempt, reason, delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.ServerHost + 10, Level = LogLevel.Warning,
            Message = "Database unreachable (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
        public static partial void Unreachable(ILogger logger, int attempt, string reason, double delayMs);
    }
}
