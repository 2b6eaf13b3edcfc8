using Microsoft.Extensions.Logging;
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
    private readonly WorkspaceAgent _agent;
    private readonly ILogger _logger;
    private readonly Sessions.DirectListener? _direct;

    /// <summary>An agent named <paramref name="agentName"/> for the server at <paramref name="serverUrl"/>; nothing runs until <see cref="RunAsync"/>.</summary>
    public AgentHost(Uri serverUrl, string token, string agentName, TimeProvider time, ILogger logger, AgentSettings? settings = null)
    {
        settings ??= new AgentSettings();
        ArgumentNullException.ThrowIfNull(serverUrl);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _logger = logger;
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
        _agent = new WorkspaceAgent(new AgentOptions
        {
            ServerUrl = serverUrl,
            AgentName = agentName,
            Time = time,
            Sessions = new Sessions.AgentSessionOptions { SshPort = settings.SshPort },
            Direct = _direct,
            TaskChannel = taskId => new Tasks.HttpTaskChannel(_transport, taskId, time, logger),
        }, _transport, logger);
    }

    /// <summary>Runs the agent until a requested shutdown has finished; returns its final lifecycle state (<c>off</c> when all went well).</summary>
    public Task<AgentLifecycleState> RunAsync(CancellationToken cancellationToken) => _agent.RunAsync(cancellationToken);

    /// <summary>Begins the shutdown because of <paramref name="signal"/>: the shutdown scripts run, then <see cref="RunAsync"/> returns.</summary>
    public void RequestShutdown(string signal)
    {
        AgentLog.SignalReceived(_logger, signal);
        _agent.RequestShutdown();
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
