using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Agents;

/// <summary>
/// One agent's control-plane WebSocket on the server: records the connection, heartbeats (throttled),
/// lifecycle changes and stats; tells the agent to shut down when a stop or delete build appears
/// (through the workspace's pubsub channel, so a build created on any replica reaches it); and logs
/// how the connection ended with the seed-001 fields.
/// </summary>
internal sealed class AgentControlConnection
{
    private const int MaxMessageBytes = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly AgentStore _store;
    private readonly HeartbeatWriter _heartbeats;
    private readonly IPubsub _pubsub;
    private readonly AgentApiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private CloseRequest? _closeRequest;
    private long _lastHeartbeatWrite;
    private int _shutdownSent;

    public AgentControlConnection(WebSocket socket, AgentRecord agent, AgentStore store, HeartbeatWriter heartbeats, IPubsub pubsub, AgentApiOptions options, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        Agent = agent;
        _store = store;
        _heartbeats = heartbeats;
        _pubsub = pubsub;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public AgentRecord Agent { get; }

    public Guid ConnectionId { get; } = Guid.NewGuid();

    /// <summary>The latest stats the agent sent (kept in memory; for diagnostics).</summary>
    public StatsMessage? LastStats { get; private set; }

    /// <summary>Serves the connection until it ends; <paramref name="recorded"/> runs once the connection is in the connection log.</summary>
    public async Task RunAsync(Action recorded, CancellationToken aborted)
    {
        var started = _time.GetTimestamp();
        await _store.ConnectedAsync(Agent.Id, ConnectionId, _time.GetUtcNow(), aborted).ConfigureAwait(false);
        recorded();
        await AgentEvents.PublishAsync(_pubsub, Agent, WorkspaceAgentChange.Connected, state: null, _logger).ConfigureAwait(false);
        _lastHeartbeatWrite = started;
        AgentApiLog.Connected(_logger, Agent.Name, Agent.Id, Agent.WorkspaceId, ConnectionId, ConnectionDirection.ServerToAgent.Value);
        AgentApiMetrics.ConnectionOpened();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var watcher = WatchBuildsAsync(stop.Token);
        (DisconnectReason Reason, DisconnectInitiator Initiator, string Summary, string Detail) end;
        try
        {
            end = await ReceiveAsync(aborted).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await watcher.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected: the watch ends with the connection.
            }
        }

        var duration = _time.GetElapsedTime(started);
        try
        {
            await _store.DisconnectedAsync(Agent.Id, ConnectionId, _time.GetUtcNow(), end.Reason, end.Initiator, end.Detail, CancellationToken.None).ConfigureAwait(false);
            await AgentEvents.PublishAsync(_pubsub, Agent, WorkspaceAgentChange.Disconnected, state: null, _logger).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            AgentApiLog.RecordFailed(_logger, "the disconnect", Agent.Id, ex.Message);
        }

        AgentApiMetrics.ConnectionClosed(end.Reason, end.Initiator);
        AgentApiLog.Disconnected(
            _logger,
            end.Reason.Expected() ? LogLevel.Information : LogLevel.Warning,
            Agent.Id,
            duration.TotalSeconds,
            ConnectionId,
            end.Summary,
            ConnectionDirection.ServerToAgent.Value,
            end.Reason.LogValue,
            end.Reason.Expected(),
            end.Initiator.LogValue,
            end.Detail);
    }

    /// <summary>Sends one message to the agent (a session dial request).</summary>
    public async Task SendAsync(AgentControlMessage message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, OutpostJson.Options);
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Closes from the server's side (shutdown, replacement); the first request wins and names the reason.</summary>
    public async Task CloseAsync(CloseRequest request)
    {
        if (Interlocked.CompareExchange(ref _closeRequest, request, null) is not null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3), _time);
        try
        {
            await _sendGate.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(request.Status, request.Description, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendGate.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }

    private async Task<(DisconnectReason, DisconnectInitiator, string, string)> ReceiveAsync(CancellationToken aborted)
    {
        // Control messages are a few hundred bytes: start small (memory per connected agent matters at
        // thousands of agents) and grow only for a rare large one, up to the limit.
        var buffer = new byte[1024];
        using var silence = new CancellationTokenSource(_options.InactivityTimeout, _time);
        using var receive = CancellationTokenSource.CreateLinkedTokenSource(aborted, silence.Token);
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessageBytes)
                        {
                            return await ProtocolErrorAsync($"a control message was larger than {MaxMessageBytes} bytes").ConfigureAwait(false);
                        }

                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), receive.Token).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return await ClosedByAgentAsync().ConfigureAwait(false);
                }

                silence.CancelAfter(_options.InactivityTimeout);
                AgentControlMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize<AgentControlMessage>(buffer.AsSpan(0, count), OutpostJson.Options);
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException)
                {
                    return await ProtocolErrorAsync($"unreadable control message: {ex.Message}").ConfigureAwait(false);
                }

                await HandleAsync(message, aborted).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            if (_closeRequest is { } request)
            {
                return (request.Reason, request.Initiator, request.Summary, request.Detail + " (the agent did not complete the close)");
            }

            // Canceling the receive for silence aborts the connection, which also fires RequestAborted:
            // the silence decides.
            return silence.IsCancellationRequested
                ? (DisconnectReason.NetworkError, DisconnectInitiator.Network, "the agent went silent; the server closed the connection",
                    $"no message for {_options.InactivityTimeout.TotalSeconds:0} s")
                : (DisconnectReason.NetworkError, DisconnectInitiator.Network, "the control-plane connection broke", $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<(DisconnectReason, DisconnectInitiator, string, string)> ClosedByAgentAsync()
    {
        var detail = $"close status {(int?)_socket.CloseStatus ?? 0}" + (string.IsNullOrEmpty(_socket.CloseStatusDescription) ? string.Empty : $" ({_socket.CloseStatusDescription})");
        if (_closeRequest is { } request)
        {
            // The agent answered the server's own close.
            return (request.Reason, request.Initiator, request.Summary, request.Detail);
        }

        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3), _time);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The agent has gone; its close frame is what counts.
        }

        return (DisconnectReason.Graceful, DisconnectInitiator.Agent, "the agent closed the control plane", detail);
    }

    private async Task<(DisconnectReason, DisconnectInitiator, string, string)> ProtocolErrorAsync(string detail)
    {
        await CloseAsync(new CloseRequest(DisconnectReason.ProtocolError, DisconnectInitiator.Server, WebSocketCloseStatus.ProtocolError, "protocol_error",
            "the agent sent something that is not a control message, so the server closed the connection", detail)).ConfigureAwait(false);
        return (DisconnectReason.ProtocolError, DisconnectInitiator.Server, "the agent sent something that is not a control message, so the server closed the connection", detail);
    }

    private async Task HandleAsync(AgentControlMessage? message, CancellationToken cancellationToken)
    {
        try
        {
            switch (message)
            {
                case HeartbeatMessage:
                    AgentApiMetrics.Heartbeats.Add(1);
                    if (_time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeatWrite)) >= _options.HeartbeatWriteInterval)
                    {
                        Interlocked.Exchange(ref _lastHeartbeatWrite, _time.GetTimestamp());
                        _heartbeats.Record(Agent.Id, _time.GetUtcNow());
                    }

                    break;
                case LifecycleMessage lifecycle:
                    var received = _time.GetUtcNow();
                    await _store.LifecycleAsync(Agent.Id, lifecycle.State, lifecycle.ChangedAt, received, cancellationToken).ConfigureAwait(false);
                    AgentApiLog.Lifecycle(_logger, Agent.Id, WireName<AgentLifecycleState>.Name(lifecycle.State), lifecycle.ChangedAt, received);
                    await AgentEvents.PublishAsync(_pubsub, Agent, WorkspaceAgentChange.Lifecycle, lifecycle.State, _logger).ConfigureAwait(false);
                    break;
                case StatsMessage stats:
                    LastStats = stats;
                    break;
            }
        }
        catch (NpgsqlException ex)
        {
            AgentApiLog.RecordFailed(_logger, message?.GetType().Name ?? "a message", Agent.Id, ex.Message);
        }
    }

    /// <summary>Sends <see cref="ShutdownMessage"/> once, when the workspace's latest build stops or deletes it.</summary>
    private async Task WatchBuildsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var subscription = await _pubsub.SubscribeAsync(JobEvents.WorkspaceChannel(Agent.WorkspaceId), cancellationToken).ConfigureAwait(false);

            // Subscribed first, then read: a stop build created before this connection (the agent was
            // away when it was queued) is found here, and a later one arrives on the channel.
            await CheckLatestBuildAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var message in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                WorkspaceBuildUpdate? update = null;
                if (!message.IsDropped && AgentEvents.Read(message.Payload) is not null)
                {
                    // An agent's change, perhaps this agent's own: nothing to do with builds.
                    continue;
                }

                if (!message.IsDropped)
                {
                    try
                    {
                        update = JsonSerializer.Deserialize(message.Payload!, OutpostJsonContext.Default.WorkspaceBuildUpdate);
                    }
                    catch (JsonException)
                    {
                        // Not a build update; re-read instead.
                    }
                }

                if (update is null)
                {
                    await CheckLatestBuildAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await MaybeShutdownAsync(update.BuildId, update.Transition, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or WebSocketException or InvalidOperationException)
        {
            AgentApiLog.WatchFailed(_logger, Agent.WorkspaceId, Agent.Id, ex.Message);
        }
    }

    private async Task CheckLatestBuildAsync(CancellationToken cancellationToken)
    {
        if (await _store.LatestBuildAsync(Agent.WorkspaceId, cancellationToken).ConfigureAwait(false) is { } latest)
        {
            await MaybeShutdownAsync(latest.BuildId, latest.Transition, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task MaybeShutdownAsync(Guid buildId, WorkspaceTransition transition, CancellationToken cancellationToken)
    {
        if (transition == WorkspaceTransition.Start || buildId == Agent.BuildId || Interlocked.Exchange(ref _shutdownSent, 1) == 1)
        {
            return;
        }

        var message = new ShutdownMessage { Reason = AgentApi.WorkspaceStoppedCloseReason, BuildId = buildId, Transition = transition };
        var bytes = JsonSerializer.SerializeToUtf8Bytes<AgentControlMessage>(message, OutpostJson.Options);
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }

        AgentApiLog.ShutdownSent(_logger, Agent.Id, buildId, WireName<WorkspaceTransition>.Name(transition), Agent.WorkspaceId);
    }
}

/// <summary>Why the server closes a connection, decided before it sends the close frame.</summary>
internal sealed record CloseRequest(
    DisconnectReason Reason, DisconnectInitiator Initiator, WebSocketCloseStatus Status, string Description, string Summary, string Detail);
