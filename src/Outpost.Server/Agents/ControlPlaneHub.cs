using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Agents;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Agents;

/// <summary>
/// The agents connected to this replica, one connection per agent: a newer connection of the same
/// agent replaces the older one (which is closed and logged). When the server stops gracefully every
/// connection is closed with 1001 <c>server_shutdown</c> before the host waits for requests to end.
/// </summary>
internal sealed class ControlPlaneHub : IDisposable
{
    private readonly ConcurrentDictionary<Guid, AgentControlConnection> _connections = new();
    private readonly AgentStore _store;
    private readonly HeartbeatWriter _heartbeats;
    private readonly IPubsub _pubsub;
    private readonly AgentApiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenRegistration _stopping;
    private readonly CancellationToken _applicationStopping;

    public ControlPlaneHub(AgentStore store, HeartbeatWriter heartbeats, IPubsub pubsub, AgentApiOptions options, TimeProvider time, ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        _store = store;
        _heartbeats = heartbeats;
        _pubsub = pubsub;
        _options = options;
        _time = time;
        _logger = loggers.CreateLogger(AgentApiLog.Category);
        // The closes go out while the host waits for open requests (these sockets) to end.
        _applicationStopping = lifetime.ApplicationStopping;
        _stopping = lifetime.ApplicationStopping.Register(() => Closing = CloseAllAsync());
    }

    private static CloseRequest ServerShutdown { get; } = new(
        DisconnectReason.ServerShutdown, DisconnectInitiator.Server, WebSocketCloseStatus.EndpointUnavailable, AgentApi.ServerShutdownCloseReason,
        "the server is shutting down and closed the control plane", "close status 1001 (server_shutdown)");

    public int Count => _connections.Count;

    /// <summary>The closes started when the server began stopping; completed until then.</summary>
    public Task Closing { get; private set; } = Task.CompletedTask;

    public bool TryGet(Guid agentId, out AgentControlConnection? connection) => _connections.TryGetValue(agentId, out connection);

    public async Task RunAsync(WebSocket socket, AgentRecord agent, CancellationToken aborted)
    {
        var connection = new AgentControlConnection(socket, agent, _store, _heartbeats, _pubsub, _options, _time, _logger);

        // The older connection is closed only once the newer connection is recorded, so its end can see
        // that the agent is still connected and does not mark it disconnected.
        void Register()
        {
            AgentControlConnection? replaced = null;
            _connections.AddOrUpdate(agent.Id, connection, (_, older) =>
            {
                replaced = older;
                return connection;
            });
            // A connection recorded after the stop began was missed by the close-all: close it too.
            if (_applicationStopping.IsCancellationRequested)
            {
                _ = connection.CloseAsync(ServerShutdown);
            }

            if (replaced is not null)
            {
                AgentApiLog.Replaced(_logger, agent.Id, connection.ConnectionId, replaced.ConnectionId);
                _ = replaced.CloseAsync(new CloseRequest(
                    DisconnectReason.Graceful, DisconnectInitiator.Agent, WebSocketCloseStatus.NormalClosure, "replaced",
                    "the agent connected again, so the server closed its older connection", $"replaced by connection {connection.ConnectionId}"));
            }
        }

        try
        {
            await connection.RunAsync(Register, aborted).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<Guid, AgentControlConnection>(agent.Id, connection));
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task CloseAllAsync()
    {
        var connections = _connections.Values.ToList();
        if (connections.Count == 0)
        {
            return;
        }

        AgentApiLog.ClosingAll(_logger, connections.Count);
        await Task.WhenAll(connections.Select(c => c.CloseAsync(ServerShutdown))).ConfigureAwait(false);
    }
}
