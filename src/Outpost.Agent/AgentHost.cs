using Microsoft.Extensions.Logging;
using Outpost.Agent.Reinit;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;

namespace Outpost.Agent;

/// <summary>
/// The agent assembly's public surface, all that <c>outpost agent</c> calls: one workspace agent for
/// the server at a URL, authenticated by its token, run until its shutdown scripts have run.
/// </summary>
public sealed class AgentHost : IDisposable
{
    private readonly HttpAgentTransport _transport;
    private readonly ILogger _logger;
    private readonly Sessions.DirectListener? _direct;
    private readonly Func<WorkspaceAgent> _newAgent;
    private readonly TimeProvider _time;
    private WorkspaceAgent _agent;
    private System.Diagnostics.ActivityContext _traceParent;
    private int _restartRequested;
    private volatile bool _shutdownRequested;

    /// <summary>
    /// An agent named <paramref name="agentName"/> for the server at <paramref name="serverUrl"/>; nothing runs until <see cref="RunAsync"/>.
    /// Its first start continues <paramref name="traceParent"/> (the build that started this process); a restart for a new owner starts a new trace.
    /// </summary>
    public AgentHost(Uri serverUrl, string token, string agentName, TimeProvider time, ILogger logger, AgentSettings? settings = null, System.Diagnostics.ActivityContext traceParent = default,
        Telemetry.ITelemetryReporter? telemetry = null)
    {
        _traceParent = traceParent;
        settings ??= new AgentSettings();
        ArgumentNullException.ThrowIfNull(serverUrl);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _logger = logger;
        _time = time;
        if (settings.DirectAddress is { } direct)
        {
            try
            {
                _direct = Sessions.DirectListener.Bind(direct);
                Sessions.AgentSessionLog.DirectListening(logger, _direct.Address);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                Sessions.AgentSessionLog.DirectUnavailable(logger, direct.ToString(), ex.Message);
            }
        }

        _transport = new HttpAgentTransport(serverUrl, token) { DirectAddress = _direct?.Address };
        _newAgent = () => new WorkspaceAgent(new AgentOptions
        {
            ServerUrl = serverUrl,
            AgentName = agentName,
            Time = time,
            Sessions = new Sessions.AgentSessionOptions { SshPort = settings.SshPort },
            Direct = _direct,
            TaskChannel = taskId => new Tasks.HttpTaskChannel(_transport, taskId, time, logger),
            TraceParent = TakeTraceParent(),
            Telemetry = telemetry,
        }, _transport, logger);
        _agent = _newAgent();
    }

    private System.Diagnostics.ActivityContext TakeTraceParent()
    {
        var parent = _traceParent;
        _traceParent = default;
        return parent;
    }

    /// <summary>
    /// Runs the agent until a requested shutdown has finished; returns its final lifecycle state (<c>off</c> when all went well).
    /// Meanwhile it waits for a prebuild claim (<see cref="ReinitLoop"/>): on one, the agent restarts for its new owner
    /// and the waiting stops.
    /// </summary>
    public async Task<AgentLifecycleState> RunAsync(CancellationToken cancellationToken)
    {
        using var reinitStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = WatchReinitAsync(reinitStop.Token);
        try
        {
            while (true)
            {
                var state = await Volatile.Read(ref _agent).RunAsync(cancellationToken).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _restartRequested, 0) == 0 || _shutdownRequested || cancellationToken.IsCancellationRequested)
                {
                    return state;
                }

                Volatile.Write(ref _agent, _newAgent());
                ReinitLog.Reinitialized(_logger);
            }
        }
        finally
        {
            await reinitStop.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
        }
    }

    private async Task WatchReinitAsync(CancellationToken cancellationToken)
    {
        var decider = new ReinitDecider();
        try
        {
            await foreach (var reinit in ReinitLoop.WatchAsync(_transport, ControlPlane.Backoff.Default(), _time, _logger, cancellationToken).ConfigureAwait(false))
            {
                if (!decider.ShouldReinitialize(reinit))
                {
                    ReinitLog.Duplicate(_logger, reinit.OwnerId);
                    continue;
                }

                ReinitLog.Reinitializing(_logger, reinit.WorkspaceId, reinit.OwnerId);
                Interlocked.Exchange(ref _restartRequested, 1);
                Volatile.Read(ref _agent).RequestRestart();

                // One reinitialisation per claim: the restarted agent needs no more events.
                return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent is stopping.
        }
    }

    /// <summary>Begins the shutdown because of <paramref name="signal"/>: the shutdown scripts run, then <see cref="RunAsync"/> returns.</summary>
    public void RequestShutdown(string signal)
    {
        AgentLog.SignalReceived(_logger, signal);
        _shutdownRequested = true;
        Volatile.Read(ref _agent).RequestShutdownOnSignal();
    }

    /// <summary>Releases the connection to the server.</summary>
    public void Dispose()
    {
        _direct?.Dispose();
        _transport.Dispose();
    }
}

/// <summary>What the agent's environment may configure beyond who it is.</summary>
public sealed record AgentSettings
{
    /// <summary>The port of the workspace's SSH server on 127.0.0.1, which <c>ssh</c> sessions reach.</summary>
    public int SshPort { get; init; } = Sessions.AgentSessionOptions.DefaultSshPort;

    /// <summary>Where to accept direct connections (port 0: any free port); null for nowhere (sessions use the relay only).</summary>
    public System.Net.IPEndPoint? DirectAddress { get; init; }
}
