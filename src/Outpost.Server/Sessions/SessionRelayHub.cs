using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Agents;

namespace Outpost.Server.Sessions;

/// <summary>The relayed sessions of this replica; closes them all with <c>server_shutdown</c> when the server stops.</summary>
internal sealed class SessionRelayHub : IDisposable
{
    private readonly ConcurrentDictionary<Guid, SessionRelay> _relays = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenRegistration _stopping;

    public SessionRelayHub(ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        _logger = loggers.CreateLogger(SessionRelayLog.Category);
        _stopping = lifetime.ApplicationStopping.Register(() => CloseAll(_ => true,
            new RelayEnd(DisconnectReason.ServerShutdown, DisconnectInitiator.Server, "the server is shutting down")));
    }

    public int Count => _relays.Count;

    public void Add(SessionRelay relay) => _relays[relay.Id] = relay;

    public void Remove(SessionRelay relay) => _relays.TryRemove(relay.Id, out _);

    /// <summary>Closes the workspace's sessions (a stop or delete build).</summary>
    public void CloseWorkspace(Guid workspaceId, RelayEnd end) => CloseAll(r => r.WorkspaceId == workspaceId, end);

    public void Dispose() => _stopping.Dispose();

    private void CloseAll(Func<SessionRelay, bool> which, RelayEnd end)
    {
        var relays = _relays.Values.Where(which).ToList();
        if (relays.Count > 0)
        {
            SessionRelayLog.ClosingAll(_logger, relays.Count, end.Detail);
        }

        foreach (var relay in relays)
        {
            relay.Close(end);
        }
    }
}
