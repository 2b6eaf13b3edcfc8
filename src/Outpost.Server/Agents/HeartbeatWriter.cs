using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Agents;

/// <summary>
/// Writes the connected agents' <c>last_connected_at</c> in one statement per <see cref="AgentApiOptions.HeartbeatFlushInterval"/>
/// instead of one statement (and one commit, with its WAL flush) per heartbeat: with thousands of agents the
/// per-heartbeat updates took a pooled connection each and made the agent API's requests wait behind them.
/// A heartbeat is recorded with the time it arrived; a later flush never moves the time back.
/// </summary>
internal sealed partial class HeartbeatWriter : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _pending = new();
    private readonly AgentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PeriodicTimer _timer;

    public HeartbeatWriter(AgentStore store, AgentApiOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        _store = store;
        _time = time;
        _logger = loggers.CreateLogger(AgentApiLog.Category);
        _timer = new PeriodicTimer(options.HeartbeatFlushInterval, time);
    }

    /// <summary>Heartbeats waiting for the next flush.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Records that the agent was connected at <paramref name="at"/>; written with the next flush.</summary>
    public void Record(Guid agentId, DateTimeOffset at) =>
        _pending.AddOrUpdate(agentId, static (_, newer) => newer, static (_, older, newer) => newer > older ? newer : older, at);

    /// <summary>Writes what is pending in one statement; what fails to be written waits for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = new List<KeyValuePair<Guid, DateTimeOffset>>(_pending.Count);
        foreach (var entry in _pending)
        {
            // Removed only if unchanged: a heartbeat recorded meanwhile stays for the next flush.
            if (_pending.TryRemove(entry))
            {
                batch.Add(entry);
            }
        }

        try
        {
            await _store.HeartbeatsAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            foreach (var (agentId, at) in batch)
            {
                Record(agentId, at);
            }

            FlushFailed(_logger, batch.Count, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the last heartbeats are written below.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3), _time);
        try
        {
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The database did not answer in time; at most one interval of heartbeats is not written.
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = OutpostEventIds.AgentScale + 1, Level = LogLevel.Warning,
        Message = "Could not write the last heartbeats of {Count} agents: {Reason}; they are retried with the next flush")]
    private static partial void FlushFailed(ILogger logger, int count, string reason);
}
