using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Outpost.Server.Tasks;

/// <summary>
/// Keeps <c>outpost_ai_seats_in_use</c> true to the database (users suspended or seats taken on another
/// replica change it too): at start, then every <see cref="Interval"/>. A failed read is logged and retried.
/// </summary>
internal sealed class AiSeatGaugeRefresher(AiSeatStore store, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger = loggers.CreateLogger(TasksLog.Category);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                AiSeatMetrics.SetInUse(await store.CountAsync(stoppingToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                TasksLog.SeatCountFailed(_logger, ex.Message);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
