using Microsoft.Extensions.Logging;
using Outpost.Agent.Transport;
using Outpost.Sdk;
using Outpost.Sdk.Agents;

namespace Outpost.Agent.ControlPlane;

/// <summary>
/// The agent's one control-plane connection, kept up until the agent stops: connect, send heartbeats,
/// queued lifecycle changes and stats, receive shutdown requests; when the connection ends, log why
/// (seed 001) and reconnect with backoff. No disconnect is logged for an attempt that never connected.
/// </summary>
internal sealed partial class ControlPlaneLoop
{
    private readonly IAgentTransport _transport;
    private readonly LifecycleReporter _lifecycle;
    private readonly ControlPlaneOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly List<ControlPlaneExit> _exits = [];
    private volatile bool _connected;
    private int _heartbeatDue;
    private int _statsDue;

    public ControlPlaneLoop(IAgentTransport transport, LifecycleReporter lifecycle, ControlPlaneOptions options, TimeProvider time, ILogger logger)
    {
        _transport = transport;
        _lifecycle = lifecycle;
        _options = options;
        _time = time;
        _logger = logger;
        lifecycle.OnChanged(() => _wake.Release());
    }

    /// <summary>The heartbeat interval, read at each connection (it comes from the latest manifest).</summary>
    public Func<TimeSpan> HeartbeatInterval { get; init; } = static () => TimeSpan.FromSeconds(10);

    public Func<StatsMessage> CollectStats { get; init; } = () => new StatsMessage { CollectedAt = DateTimeOffset.MinValue };

    /// <summary>Called on every connection after the first, concurrently with it (the agent re-fetches its manifest).</summary>
    public Func<int, CancellationToken, Task> Reconnected { get; init; } = static (_, _) => Task.CompletedTask;

    /// <summary>Called when the server asks the agent to shut down.</summary>
    public Action<ShutdownMessage> ShutdownRequested { get; init; } = static _ => { };

    /// <summary>Called when the server asks the agent to dial a relay back for a session.</summary>
    public Action<Sdk.Sessions.SessionDialMessage> SessionDialRequested { get; init; } = static _ => { };

    /// <summary>Connections made so far.</summary>
    public int Connections { get; private set; }

    /// <summary>Whether a connection is up now (a message from the server can still arrive on it).</summary>
    public bool IsConnected => _connected;

    /// <summary>How each connection ended, oldest first.</summary>
    public IReadOnlyList<ControlPlaneExit> Exits => _exits;

    /// <summary>Runs until <paramref name="stopping"/> is canceled (the agent shuts down), then closes the connection.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            AgentApiResult<IControlPlaneConnection> attempt;
            try
            {
                attempt = await _transport.ConnectAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            if (attempt.Failure is { } failure)
            {
                // Never connected: a failure to connect, not a disconnect (seed 001's bug fix).
                failures++;
                var delay = _options.Backoff.Delay(failures);
                if (failure.Kind == AgentApiFailureKind.Unauthorized)
                {
                    AgentLog.Unauthorized(_logger, "connecting to the control plane", failures, failure.Message, (long)delay.TotalMilliseconds);
                }
                else
                {
                    AgentLog.ConnectFailed(_logger, failures, failure.Message, (long)delay.TotalMilliseconds);
                }

                if (!await DelayAsync(delay, stopping).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            Connections++;
            var connection = attempt.Value!;
            AgentLog.Connected(_logger, Connections, failures, ConnectionDirection.ServerToAgent.Value);
            var started = _time.GetTimestamp();
            var refresh = Connections > 1 ? Reconnected(Connections, stopping) : Task.CompletedTask;
            ControlPlaneExit exit;
            _connected = true;
            await using (connection.ConfigureAwait(false))
            {
                try
                {
                    exit = await RunConnectionAsync(connection, stopping).ConfigureAwait(false) with { Duration = _time.GetElapsedTime(started) };
                }
                finally
                {
                    _connected = false;
                }
            }

            _exits.Add(exit);
            AgentLog.Disconnected(
                _logger,
                exit.Reason.Expected() ? LogLevel.Information : LogLevel.Warning,
                exit.Duration.TotalSeconds,
                exit.Message,
                ConnectionDirection.ServerToAgent.Value,
                exit.Reason.LogValue,
                exit.Reason.Expected(),
                exit.Initiator.LogValue,
                exit.Detail);

            try
            {
                await refresh.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Shutting down; the manifest no longer matters.
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            failures = exit.Duration >= _options.StableAfter ? 1 : failures + 1;
            if (!await DelayAsync(_options.Backoff.Delay(failures), stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task<ControlPlaneExit> RunConnectionAsync(IControlPlaneConnection connection, CancellationToken stopping)
    {
        var heartbeat = HeartbeatInterval();
        Volatile.Write(ref _heartbeatDue, 1);
        Volatile.Write(ref _statsDue, 0);
        using var heartbeatTimer = _time.CreateTimer(_ => Due(ref _heartbeatDue), null, heartbeat * _options.PeriodicPhase(), heartbeat);
        using var statsTimer = _time.CreateTimer(_ => Due(ref _statsDue), null, _options.StatsInterval * _options.PeriodicPhase(), _options.StatsInterval);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(stopping);

        // Canceling a WebSocket receive aborts the socket, so the receiver has its own token, canceled
        // only when the connection is abandoned; a local shutdown closes the socket instead.
        using var abandon = new CancellationTokenSource();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stoppingRegistration = stopping.Register(() => stopped.TrySetResult());

        var sender = SendAsync(connection, sending.Token);
        var receiver = ReceiveAsync(connection, abandon.Token);
        var first = await Task.WhenAny(sender, receiver, stopped.Task).ConfigureAwait(false);

        await sending.CancelAsync().ConfigureAwait(false);
        Exception? error = null;
        ControlPlaneFrame? closing = null;
        if (first == stopped.Task || stopping.IsCancellationRequested)
        {
            error = await CloseAsync(connection, receiver, abandon).ConfigureAwait(false);
        }
        else if (first == sender)
        {
            error = sender.Exception?.GetBaseException() ?? new IOException("the sender stopped");
            await abandon.CancelAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            try
            {
                closing = await receiver.ConfigureAwait(false);
                if (closing.ProtocolError is not null)
                {
                    await CloseQuietlyAsync(connection, "protocol_error").ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                error = ex;
            }
        }

        await ObserveAsync(sender).ConfigureAwait(false);
        await ObserveAsync(receiver).ConfigureAwait(false);
        return ControlPlaneExit.Classify(stopping.IsCancellationRequested, closing, error);
    }

    private void Due(ref int flag)
    {
        Volatile.Write(ref flag, 1);
        _wake.Release();
    }

    private async Task SendAsync(IControlPlaneConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (_lifecycle.TryPeek(out var change))
            {
                await connection.SendAsync(change, cancellationToken).ConfigureAwait(false);
                _lifecycle.Sent(change);
            }

            if (Interlocked.Exchange(ref _heartbeatDue, 0) == 1)
            {
                await connection.SendAsync(new HeartbeatMessage { SentAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _statsDue, 0) == 1)
            {
                await connection.SendAsync(CollectStats(), cancellationToken).ConfigureAwait(false);
            }

            await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ControlPlaneFrame> ReceiveAsync(IControlPlaneConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            switch (frame.Message)
            {
                case null:
                    return frame;
                case ShutdownMessage shutdown:
                    AgentLog.ShutdownRequested(_logger, shutdown.Reason, shutdown.BuildId, (shutdown.Transition is { } transition ? WireName.Of(transition) : "none"));
                    ShutdownRequested(shutdown);
                    break;
                case Sdk.Sessions.SessionDialMessage dial:
                    SessionDialRequested(dial);
                    break;
                default:
                    AgentLog.MessageIgnored(_logger, frame.Message.GetType().Name);
                    break;
            }
        }
    }

    /// <summary>Closes from the agent's side and waits (bounded) for the server to answer; the failure, if any.</summary>
    private async Task<Exception?> CloseAsync(IControlPlaneConnection connection, Task<ControlPlaneFrame> receiver, CancellationTokenSource abandon)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout, _time);
        Exception? error = null;
        try
        {
            await connection.CloseAsync("agent shutting down", timeout.Token).ConfigureAwait(false);
            await receiver.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            error = new TimeoutException($"the server did not answer the close within {_options.CloseTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex;
        }

        await abandon.CancelAsync().ConfigureAwait(false);
        return error;
    }

    private async Task CloseQuietlyAsync(IControlPlaneConnection connection, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.CloseTimeout, _time);
            await connection.CloseAsync(description, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The connection is being abandoned for the protocol error already recorded.
        }
    }

    private async Task ObserveAsync(Task task)
    {
        try
        {
            await task.WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Already classified from the first task to finish; the other ends with a consequence of it.
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
