using Outpost.Agent;
using Outpost.Agent.Transport;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Server.Agents;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>The real server on a fake clock, with a small per-agent log budget.</summary>
public sealed class AgentApiFixture : ClockedServerFixture
{
    public const long LogBudget = 2_000;

    internal override ServerOptions Customize(ServerOptions options) =>
        base.Customize(options) with { AgentApi = new AgentApiOptions { MaxLogBytesPerAgent = LogBudget } };
}

/// <summary>The real agent library (HTTP transport, control-plane loop, scripts) run in the test process.</summary>
internal sealed class RunningAgent : IAsyncDisposable
{
    private readonly HttpAgentTransport _transport;

    public RunningAgent(Uri server, string token, string? directory = null)
    {
        _transport = new HttpAgentTransport(server, token);
        Agent = new WorkspaceAgent(
            new AgentOptions
            {
                ServerUrl = server,
                ControlPlane = new Outpost.Agent.ControlPlane.ControlPlaneOptions { CloseTimeout = TimeSpan.FromSeconds(5) },
            },
            _transport,
            Log);
        Directory = directory;
        Running = Agent.RunAsync(CancellationToken.None);
    }

    public RecordingLogger Log { get; } = new();

    public WorkspaceAgent Agent { get; }

    public string? Directory { get; }

    public Task<AgentLifecycleState> Running { get; }

    public Task<LogEntry> ConnectedAsync(int connection = 1) => Log.WaitForIdAsync(5005, connection);

    public Task<LogEntry> DisconnectedAsync(int count = 1) => Log.WaitForIdAsync(5007, count);

    public Task<LogEntry> LifecycleAsync(AgentLifecycleState state) =>
        Log.WaitForAsync(e => e.EventId == 5008 && e.Field("State") == WireEnum(state));

    public async Task<AgentLifecycleState> StopAsync()
    {
        Agent.RequestShutdown();
        return await Running.WithTimeout();
    }

    public async ValueTask DisposeAsync()
    {
        Agent.RequestShutdown();
        await Running.WithTimeout();
        _transport.Dispose();
    }

    public static string WireEnum(AgentLifecycleState state) => WireName<AgentLifecycleState>.Name(state);
}
