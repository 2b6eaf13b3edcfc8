using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Tasks;

namespace Outpost.Server.Tasks;

/// <summary>
/// Records a user's AI use (coder-spec §9 <c>SeatTracker.RecordUsage</c>): at most one database write
/// per user per <see cref="ThrottleInterval"/> on the injected clock, <see cref="FailedRetryInterval"/>
/// after a failed write. Check and write race at worst into a duplicate write, which the database-side
/// guard (<see cref="AiSeatStore.DatabaseWindow"/>) turns into no change. Never throws: seat tracking
/// must not fail the request that used the feature.
/// </summary>
internal sealed class AiSeatTracker(AiSeatStore store, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>Upstream: the database window plus 30 minutes.</summary>
    public static readonly TimeSpan ThrottleInterval = AiSeatStore.DatabaseWindow + TimeSpan.FromMinutes(30);

    public static readonly TimeSpan FailedRetryInterval = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _retryAfter = new();
    private readonly ILogger _logger = loggers.CreateLogger(TasksLog.Category);

    public async Task RecordUsageAsync(Guid userId, AiSeatUsage usage, string description, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_retryAfter.TryGetValue(userId, out var after) && now < after)
        {
            AiSeatMetrics.Debounced.Add(1);
            return;
        }

        try
        {
            var (written, isNew) = await store.UpsertAsync(userId, usage, description, now, cancellationToken).ConfigureAwait(false);
            _retryAfter[userId] = now + ThrottleInterval;
            AiSeatMetrics.Writes.Add(1);
            if (isNew)
            {
                TasksLog.SeatTaken(_logger, userId, description);
                AiSeatMetrics.SetInUse(await store.CountAsync(cancellationToken).ConfigureAwait(false));
            }
            else if (!written)
            {
                TasksLog.SeatWriteSkipped(_logger, userId);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            _retryAfter[userId] = now + FailedRetryInterval;
            TasksLog.SeatWriteFailed(_logger, userId, e.Message);
        }
    }
}
