using System.Net.WebSockets;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Sessions;

/// <summary>
/// One relayed session: reads the client's header, asks the agent (through the pubsub, so the replica holding its
/// control connection delivers it) to dial back here with a one-time ticket, then splices the two WebSockets
/// message by message — each side reads one frame only after the other side took the previous one, so the
/// relay holds at most one frame per direction. Whichever end finishes decides the disconnect fields.
/// </summary>
internal sealed class SessionRelay
{
    private readonly SessionTarget _target;
    private readonly SessionSocket _client;
    private readonly SessionRelayOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _serverClose = new();
    private RelayEnd? _serverEnd;
    private readonly Lock _gate = new();
    private ITimer? _controlPlaneLost;
    private CancellationToken _aborted;
    private long _toAgent;
    private long _toClient;
    private Func<Task>? _redial;

    public SessionRelay(SessionTarget target, SessionSocket client, SessionRelayOptions options, TimeProvider time)
    {
        _target = target;
        _client = client;
        _options = options;
        _time = time;
    }

    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>The opener's W3C <c>traceparent</c>, when known: recorded with the session and passed to the agent in the dial.</summary>
    public string? TraceParent { get; init; }

    public Guid WorkspaceId => _target.WorkspaceId;

    public Guid AgentId => _target.AgentId;

    /// <summary>The connection log's type, once the header was read; null when the session never got that far.</summary>
    public ConnectionType? Type { get; private set; }

    public string Kind { get; private set; } = "unknown";

    public long BytesToAgent => Interlocked.Read(ref _toAgent);

    public long BytesToClient => Interlocked.Read(ref _toClient);

    public SessionExit? Exit { get; private set; }

    /// <summary>
    /// The agent's control-plane connection ended (on whichever replica held it) or came back. While it is gone, the
    /// agent's socket breaking is attributed to it, and after <see cref="SessionRelayOptions.ControlPlaneGrace"/>
    /// the relay closes the session itself.
    /// </summary>
    /// <returns>True when this changed the session's mark (a repeated event changes nothing).</returns>
    public bool ControlPlaneChanged(bool connected)
    {
        lock (_gate)
        {
            if (connected == (_controlPlaneLost is null))
            {
                return false;
            }

            _controlPlaneLost?.Dispose();
            _controlPlaneLost = connected ? null : _time.CreateTimer(
                static state => ((SessionRelay)state!).Close(new RelayEnd(DisconnectReason.ControlPlaneLost, DisconnectInitiator.Server,
                    $"the agent's control-plane connection was lost and did not come back within {((SessionRelay)state!)._options.ControlPlaneGrace.TotalSeconds:0} s")),
                this, _options.ControlPlaneGrace, Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    /// <summary>
    /// The agent's control plane connected (again). A dial published while it was away (a server restart: the client's
    /// terminal often reconnects before the agent does) reached nobody, so one still waiting is published again.
    /// </summary>
    public async Task AgentConnectedAsync()
    {
        if (Volatile.Read(ref _redial) is not { } redial)
        {
            return;
        }

        try
        {
            await redial().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The session ended meanwhile: nothing waits for the dial any more.
        }
    }

    /// <summary>Ends the session from the server's side (workspace stopped, shutdown); the first reason wins.</summary>
    public void Close(RelayEnd end)
    {
        if (Interlocked.CompareExchange(ref _serverEnd, end, null) is null)
        {
            _serverClose.Cancel();
        }
    }

    /// <summary>Runs the session; <paramref name="opened"/> is called once the header is accepted, before the agent is asked to dial.</summary>
    public async Task<RelayEnd> RunAsync(SessionTickets tickets, IPubsub pubsub, Uri relayUrl, Func<SessionRelay, CancellationToken, Task> opened, CancellationToken aborted)
    {
        _aborted = aborted;
        try
        {
            return await RunCoreAsync(tickets, pubsub, relayUrl, opened, aborted).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _redial, null);
            lock (_gate)
            {
                _controlPlaneLost?.Dispose();
            }
        }
    }

    private async Task<RelayEnd> RunCoreAsync(SessionTickets tickets, IPubsub pubsub, Uri relayUrl, Func<SessionRelay, CancellationToken, Task> opened, CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _serverClose.Token);
        var (header, headerBytes, refusal) = await ReadHeaderAsync(linked.Token).ConfigureAwait(false);
        if (header is null)
        {
            return await EndBothAsync(refusal!, null).ConfigureAwait(false);
        }

        Kind = header.Kind.ToString().ToLowerInvariant();
        Type = header.LogType();
        await opened(this, linked.Token).ConfigureAwait(false);
        var pending = tickets.Issue(_target.AgentId);
        WebSocket agentSocket;
        try
        {
            var dial = new SessionDialMessage { AgentId = _target.AgentId, Ticket = pending.Ticket, RelayUrl = relayUrl, TraceParent = TraceParent };
            var payload = JsonSerializer.Serialize<AgentControlMessage>(dial, OutpostJson.Options);
            var token = linked.Token;
            Volatile.Write(ref _redial, () => pending.Dialed.Task.IsCompleted ? Task.CompletedTask : pubsub.PublishAsync(SessionDialBus.Channel, payload, token));
            await pubsub.PublishAsync(SessionDialBus.Channel, payload, token).ConfigureAwait(false);
            agentSocket = await pending.Dialed.Task.WaitAsync(_options.DialTimeout, _time, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            tickets.Forget(pending);
            return await EndBothAsync(new RelayEnd(DisconnectReason.ControlPlaneLost, DisconnectInitiator.Server,
                $"the agent did not dial back within {_options.DialTimeout.TotalSeconds:0} s (is its control plane connected?)"), null).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            tickets.Forget(pending);
            return await EndBothAsync(EndedOutsideTheCopy(), null).ConfigureAwait(false);
        }

        using var agent = new SessionSocket(agentSocket);
        try
        {
            await agent.SendAsync(headerBytes, linked.Token).ConfigureAwait(false);
            return await SpliceAsync(agent, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            return await EndBothAsync(ex is OperationCanceledException ? EndedOutsideTheCopy() : _serverEnd ?? AgentBroke(ex), agent).ConfigureAwait(false);
        }
        finally
        {
            pending.Done.TrySetResult();
        }
    }

    private async Task<RelayEnd> SpliceAsync(SessionSocket agent, CancellationToken cancellationToken)
    {
        using var abort = new CancellationTokenSource();
        var up = CopyAsync(_client, agent, toAgent: true, abort.Token);
        var down = CopyAsync(agent, _client, toAgent: false, abort.Token);
        var serverClose = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(() => serverClose.TrySetResult());
        var first = await Task.WhenAny(up, down, serverClose.Task).ConfigureAwait(false);
        RelayEnd end;
        if (first == serverClose.Task)
        {
            end = await EndBothAsync(EndedOutsideTheCopy(), agent).ConfigureAwait(false);
        }
        else if (first == down)
        {
            // The agent ended: its close frame (forwarded already) names the reason.
            var outcome = await down.ConfigureAwait(false);
            end = agent.ReceivedClose is { } close ? RelayEnd.From(close)
                : outcome.Error is SessionProtocolException garbage ? Broke("agent", garbage)
                : AgentBroke(outcome.Error);
            var toClient = agent.ReceivedClose is null ? end : null;
            if (toClient is not null)
            {
                await _client.CloseAsync(toClient.ToClose(), _options.CloseTimeout, _time).ConfigureAwait(false);
            }
            else
            {
                await CloseOutputQuietlyAsync(_client).ConfigureAwait(false);
            }
        }
        else
        {
            var outcome = await up.ConfigureAwait(false);
            end = _client.ReceivedClose is { } close ? RelayEnd.From(close)
                : outcome.Error is { } error ? Broke("client", error)
                : ClientGone(null);
            if (_client.ReceivedClose is null)
            {
                await agent.CloseAsync(end.ToClose(), _options.CloseTimeout, _time).ConfigureAwait(false);
            }
            else
            {
                await CloseOutputQuietlyAsync(agent).ConfigureAwait(false);
            }
        }

        // Let the other direction see its close (bounded), then drop both.
        try
        {
            await Task.WhenAll(up, down).WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Dropped below.
        }

        await abort.CancelAsync().ConfigureAwait(false);
        return end;
    }

    /// <summary>
    /// Copies one direction frame by frame, receiving the next frame while the last one is being sent: at most two frames
    /// per direction are held, and the send of one must finish before the frame after the next is read, so a slow reader
    /// still stops the reads.
    /// </summary>
    private async Task<CopyOutcome> CopyAsync(SessionSocket from, SessionSocket to, bool toAgent, CancellationToken cancellationToken)
    {
        Task? sending = null;
        try
        {
            while (true)
            {
                var message = await from.ReceiveRawAlternatingAsync(cancellationToken).ConfigureAwait(false);
                if (message is not { } frame)
                {
                    if (sending is not null)
                    {
                        await sending.ConfigureAwait(false);
                    }

                    return new CopyOutcome(null);
                }

                var decoded = SessionFrames.Decode(frame);
                if (decoded.Type == SessionFrameType.Close)
                {
                    from.ObserveClose(decoded);
                }
                else if (decoded.Type == SessionFrameType.Exit && !toAgent)
                {
                    Exit = SessionFrames.ReadJson(decoded, SessionJsonContext.Default.SessionExit);
                }
                else if (decoded.Type == SessionFrameType.Resize && SessionFrames.ReadResize(decoded) is var (rows, cols) && SessionLimits.SizeProblem(rows, cols) is not null)
                {
                    // Refused here, before it reaches the terminal.
                    continue;
                }

                if (sending is not null)
                {
                    await sending.ConfigureAwait(false);
                }

                sending = to.SendAsync(frame, cancellationToken);
                Interlocked.Add(ref toAgent ? ref _toAgent : ref _toClient, decoded.Payload.Length);
                if (decoded.Type == SessionFrameType.Close)
                {
                    await sending.ConfigureAwait(false);
                    return new CopyOutcome(null);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or SessionProtocolException or ObjectDisposedException)
        {
            // A send still running fails with the same socket; observed here so its failure is not left unobserved.
            sending?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return new CopyOutcome(ex);
        }
    }

    private async Task<(SessionHeader? Header, ReadOnlyMemory<byte> Bytes, RelayEnd? Refusal)> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HeaderTimeout);
        try
        {
            var message = await _client.ReceiveRawAsync(timeout.Token).ConfigureAwait(false);
            if (message is not { } bytes)
            {
                return (null, default, ClientGone(null));
            }

            var frame = SessionFrames.Decode(bytes);
            if (frame.Type != SessionFrameType.Header)
            {
                throw new SessionProtocolException($"the first frame was {frame.Type}, not a header");
            }

            var header = SessionFrames.ReadJson(frame, SessionJsonContext.Default.SessionHeader);
            return header.Validate() is { } problem
                ? (null, default, new RelayEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, problem))
                : (header, bytes.ToArray(), null);
        }
        catch (SessionProtocolException ex)
        {
            return (null, default, new RelayEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, ex.Message));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, default, new RelayEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, $"no header within {_options.HeaderTimeout.TotalSeconds:0} s"));
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            return (null, default, _serverEnd ?? Broke("client", ex));
        }
    }

    private async Task<RelayEnd> EndBothAsync(RelayEnd end, SessionSocket? agent)
    {
        await _client.CloseAsync(end.ToClose(), _options.CloseTimeout, _time).ConfigureAwait(false);
        if (agent is not null)
        {
            await agent.CloseAsync(end.ToClose(), _options.CloseTimeout, _time).ConfigureAwait(false);
        }

        return end;
    }

    private async Task CloseOutputQuietlyAsync(SessionSocket socket)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout, _time);
        try
        {
            if (socket.Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            socket.Socket.Abort();
        }
    }

    /// <summary>The agent's socket ended without a close frame: a lost control plane says why, else the transport.</summary>
    private RelayEnd AgentBroke(Exception? error)
    {
        bool lost;
        lock (_gate)
        {
            lost = _controlPlaneLost is not null;
        }

        var what = error is null ? "the agent closed the WebSocket without a close frame" : $"the agent's socket broke: {error.GetType().Name}: {error.Message}";
        return lost ? new RelayEnd(DisconnectReason.ControlPlaneLost, DisconnectInitiator.Agent, $"{what}, after its control-plane connection was lost")
            : new RelayEnd(DisconnectReason.NetworkError, error is null ? DisconnectInitiator.Agent : DisconnectInitiator.Network, what);
    }

    /// <summary>
    /// The session was canceled rather than ended by a frame: the server closed it (the reason it gave), or the client's
    /// connection was aborted under the request (a reset, a dropped network) — a transport failure, not a close.
    /// </summary>
    private RelayEnd EndedOutsideTheCopy() => _serverEnd ?? (_aborted.IsCancellationRequested
        ? new RelayEnd(DisconnectReason.NetworkError, DisconnectInitiator.Network, "the client's connection was aborted without a WebSocket close (reset or dropped)")
        : ClientGone(null));

    private static RelayEnd ClientGone(Exception? error) => error is null
        ? new RelayEnd(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "the client closed the WebSocket")
        : Broke("client", error);

    private static RelayEnd Broke(string side, Exception error) => error is SessionProtocolException
        ? new RelayEnd(DisconnectReason.ProtocolError, side == "client" ? DisconnectInitiator.Client : DisconnectInitiator.Agent, $"the {side} sent garbage: {error.Message}")
        : new RelayEnd(DisconnectReason.NetworkError, DisconnectInitiator.Network, $"the {side}'s connection broke: {error.GetType().Name}: {error.Message}");

    private sealed record CopyOutcome(Exception? Error);
}

/// <summary>Why a relayed session ended, with the seed-001 fields.</summary>
internal sealed record RelayEnd(DisconnectReason Reason, DisconnectInitiator Initiator, string Detail)
{
    public SessionClose ToClose() => SessionClose.Of(Reason, Initiator, Detail);

    public static RelayEnd From(SessionClose close) => new(close.DisconnectReason, close.DisconnectInitiator, close.Detail);
}

/// <summary>The agent a client connects to, as the authorization found it.</summary>
internal sealed record SessionTarget(Guid AgentId, Guid WorkspaceId, Guid OwnerId);
