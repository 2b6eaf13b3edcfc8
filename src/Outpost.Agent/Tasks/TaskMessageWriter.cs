using System.Text;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Tasks;

namespace Outpost.Agent.Tasks;

/// <summary>
/// Sends a run's messages to the server in order. Assistant text is gathered and sent as one message when
/// <see cref="TaskLimits.FlushChars"/> have gathered, <see cref="TaskLimits.FlushInterval"/> after its first piece, or
/// before any other message (a tool call, the end of a turn) — never one message per token. A failed append is
/// retried; messages still undelivered after the retries are logged as lost, the run goes on.
/// </summary>
internal sealed class TaskMessageWriter : IAsyncDisposable
{
    private const int MaxAttempts = 5;
    private readonly ITaskChannel _channel;
    private readonly TaskLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _delivery;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly ITimer _timer;

    /// <summary>Delivery (and its retries) ends with <paramref name="delivery"/>: the agent's shutdown plus a grace.</summary>
    public TaskMessageWriter(ITaskChannel channel, TaskLimits limits, TimeProvider time, ILogger logger, CancellationToken delivery)
    {
        _channel = channel;
        _limits = limits;
        _time = time;
        _logger = logger;
        _delivery = delivery;
        _timer = time.CreateTimer(static state => _ = ((TaskMessageWriter)state!).FlushTextAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Messages that could not be delivered.</summary>
    public int Lost { get; private set; }

    public async ValueTask AppendTextAsync(string delta, CancellationToken cancellationToken)
    {
        bool full;
        lock (_gate)
        {
            if (_text.Length == 0)
            {
                _timer.Change(_limits.FlushInterval, Timeout.InfiniteTimeSpan);
            }

            _text.Append(delta);
            full = _text.Length >= _limits.FlushChars;
        }

        if (full)
        {
            await FlushTextAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends the gathered text now.</summary>
    public Task FlushTextAsync() => SendBatchAsync([]);

    /// <summary>Sends the gathered text, then <paramref name="message"/>.</summary>
    public Task SendAsync(NewTaskMessage message) => SendBatchAsync([message]);

    /// <summary>
    /// Sends the gathered text as the message that closes a run, carrying its <paramref name="summary"/> (issue 23); an empty
    /// assistant message carries it when no text is left to send.
    /// </summary>
    public Task CloseRunAsync(RunObservability? summary) => SendBatchAsync([], summary);

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);

        // A flush the timer began may still hold the gate.
        await _send.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _send.Dispose();
    }

    private async Task SendBatchAsync(IReadOnlyList<NewTaskMessage> messages, RunObservability? closing = null)
    {
        try
        {
            await _send.WaitAsync(_delivery).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            List<NewTaskMessage> batch = [];
            lock (_gate)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                if (_text.Length > 0 || closing is not null)
                {
                    batch.Add(new NewTaskMessage { Kind = TaskMessageKind.Assistant, Content = _text.ToString(), RunObservability = closing });
                    _text.Clear();
                }
            }

            batch.AddRange(messages);
            if (batch.Count > 0)
            {
                await DeliverAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task DeliverAsync(List<NewTaskMessage> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await _channel.AppendMessagesAsync(batch, _delivery).ConfigureAwait(false);
                if (result.Failure is not { } failure)
                {
                    return;
                }

                if (attempt == MaxAttempts)
                {
                    Lost += batch.Count;
                    TaskAgentLog.MessagesLost(_logger, batch.Count, failure.Message);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time, _delivery).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Lost += batch.Count;
                TaskAgentLog.MessagesLost(_logger, batch.Count, "the agent is shutting down");
                return;
            }
        }
    }
}
