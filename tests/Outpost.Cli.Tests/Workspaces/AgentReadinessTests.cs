using Outpost.Cli.Workspaces.Monitoring;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class AgentReadinessTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);

    private static WorkspaceAgent Agent(AgentLifecycleState lifecycle = AgentLifecycleState.Created) => new()
    {
        Id = Guid.NewGuid(), BuildId = Guid.NewGuid(), WorkspaceId = Guid.NewGuid(), ResourceName = "workspace", Name = "main",
        OperatingSystem = "linux", Architecture = "amd64", ConnectionTimeoutSeconds = 120, LifecycleState = lifecycle, CreatedAt = Created,
    };

    [Fact]
    public void Without_a_server_status_it_is_derived_from_the_connection_times()
    {
        var never = Agent();
        var connected = Agent() with { FirstConnectedAt = Created.AddSeconds(1), LastConnectedAt = Created.AddSeconds(5) };
        var dropped = connected with { DisconnectedAt = Created.AddSeconds(5) };

        Assert.Equal(AgentConnectionStatus.Connecting, AgentReadiness.StatusOf(never, Created.AddSeconds(120)));
        Assert.Equal(AgentConnectionStatus.Timeout, AgentReadiness.StatusOf(never, Created.AddSeconds(121)));
        Assert.Equal(AgentConnectionStatus.Connected, AgentReadiness.StatusOf(connected, Created.AddHours(1)));
        Assert.Equal(AgentConnectionStatus.Disconnected, AgentReadiness.StatusOf(dropped, Created.AddSeconds(6)));
    }

    [Fact]
    public void The_server_status_wins_over_the_times()
    {
        var silent = Agent() with { FirstConnectedAt = Created, LastConnectedAt = Created, Status = AgentConnectionStatus.Disconnected };

        Assert.Equal(AgentConnectionStatus.Disconnected, AgentReadiness.StatusOf(silent, Created));
    }

    [Fact]
    public void Ready_means_connected_and_started_and_a_timed_out_connection_is_not_waited_for()
    {
        var ready = Agent(AgentLifecycleState.Ready) with { Status = AgentConnectionStatus.Connected };
        var scriptFailed = Agent(AgentLifecycleState.StartError) with { Status = AgentConnectionStatus.Connected };
        var starting = Agent(AgentLifecycleState.Starting) with { Status = AgentConnectionStatus.Connected };
        var timedOut = Agent() with { Status = AgentConnectionStatus.Timeout };

        Assert.True(AgentReadiness.IsReady(ready, Created));
        Assert.True(AgentReadiness.IsReady(scriptFailed, Created));
        Assert.NotNull(AgentReadiness.Warning(scriptFailed));
        Assert.False(AgentReadiness.IsReady(starting, Created));
        Assert.Null(AgentReadiness.WhyNotComing(starting, Created));
        Assert.Contains("did not connect within 120 s", AgentReadiness.WhyNotComing(timedOut, Created), StringComparison.Ordinal);
    }
}
