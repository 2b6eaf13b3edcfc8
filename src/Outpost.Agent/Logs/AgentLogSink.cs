using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;

namespace Outpost.Agent.Logs;

/// <summary>
/// Script output on its way to the server. Lines wait in a bounded queue and leave in batches of up to
/// <see cref="MaxBatch"/> (the API's limit). When the queue is full, writers wait: a script that floods
/// its output is slowed down to the upload rate (its pipe fills and its writes block) instead of the
/// agent dropping lines or growing without bound. A failed upload keeps its batch and retries with
/// backoff, so nothing accepted is lost while the agent runs.
/// </summary>
internal sealed class AgentLogSink : IAsyncDisposable
{
    public const int MaxBatch = 1000;

    private readonly Channel<AgentLogLine> _queue;
    private readonly IAgentTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Backoff _retry;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _flushes = [];
    private readonly Task _pump;
    private long _accepted;
    private long _sent;

    public AgentLogSink(IAgentTransport transport, TimeProvider time, ILogger logger, int capacity = 1024, Backoff? retry = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _transport = transport;
        _time = time;
        _logger = logger;
        _retry = retry ?? new Backoff(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        _queue = Channel.CreateBounded<AgentLogLine>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _pump = Task.Run(() => PumpAsync(_stop.Token));
    }

    /// <summary>Lines accepted so far.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Lines the server has acknowledged.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Queues a line, waiting while the queue is full.</summary>
    public async ValueTask WriteAsync(AgentLogLine line, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _accepted);
    }

    /// <summary>Completes when every line accepted before the call has been uploaded.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var target = Interlocked.Read(ref _accepted);
            if (Interlocked.Read(ref _sent) >= target)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushes.Add((target, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-upload; the agent reports what was left over before it disposes the sink.
        }

        _stop.Dispose();
    }

    private async Task PumpAsync(CancellationToken stopping)
    {
        var batch = new List<AgentLogLine>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var line))
            {
                batch.Add(line);
            }

            AgentLogLine[] lines = [.. batch];
            batch.Clear();
            for (var attempt = 1; ; attempt++)
            {
                var failure = await _transport.SendLogsAsync(lines, stopping).ConfigureAwait(false);
                if (failure is null)
                {
                    break;
                }

                var delay = _retry.Delay(attempt);
                AgentLog.LogUploadFailed(_logger, lines.Length, attempt, failure.Message, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }

            Completed(lines.Length);
        }
    }

    private void Completed(int count)
    {
        List<TaskCompletionSource> done = [];
        lock (_gate)
        {
            var sent = Interlocked.Add(ref _sent, count);
            for (var i = _flushes.Count - 1; i >= 0; i--)
            {
                if (_flushes[i].Target <= sent)
                {
                    done.Add(_flushes[i].Done);
                    _flushes.RemoveAt(i);
                }
            }
        }

        foreach (var flush in done)
        {
            flush.TrySetResult();
        }
    }
}
