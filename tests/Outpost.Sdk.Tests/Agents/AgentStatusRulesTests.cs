using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Tests.Agents;

public sealed class AgentStatusRulesTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Inactive = TimeSpan.FromSeconds(30);

    [Theory]
    // never connected: connecting within the connection timeout, timeout past it, connecting forever without one
    [InlineData(60, null, null, null, 59, AgentConnectionStatus.Connecting)]
    [InlineData(60, null, null, null, 61, AgentConnectionStatus.Timeout)]
    [InlineData(0, null, null, null, 100_000, AgentConnectionStatus.Connecting)]
    // connected, with a recent sign of life
    [InlineData(60, 1, 10, null, 30, AgentConnectionStatus.Connected)]
    // a disconnect after (or at) the last connection is disconnected; before it, the agent came back
    [InlineData(60, 1, 10, 20, 21, AgentConnectionStatus.Disconnected)]
    [InlineData(60, 1, 10, 10, 11, AgentConnectionStatus.Disconnected)]
    [InlineData(60, 1, 20, 10, 21, AgentConnectionStatus.Connected)]
    // silent past the inactivity timeout
    [InlineData(60, 1, 10, null, 41, AgentConnectionStatus.Disconnected)]
    [InlineData(60, 1, 10, null, 40, AgentConnectionStatus.Connected)]
    public void Status_follows_the_spec_rules_in_order(int timeoutSeconds, int? first, int? last, int? disconnected, int now, AgentConnectionStatus expected)
    {
        var (status, _) = AgentStatusRules.Derive(Created, timeoutSeconds, At(first), At(last), At(disconnected), At(now)!.Value, Inactive);

        Assert.Equal(expected, status);
    }

    [Fact]
    public void An_agent_gone_silent_reports_its_last_sign_of_life_as_its_disconnect_time()
    {
        var (status, disconnectedAt) = AgentStatusRules.Derive(Created, 0, At(1), At(10), null, At(100)!.Value, Inactive);

        Assert.Equal(AgentConnectionStatus.Disconnected, status);
        Assert.Equal(At(10), disconnectedAt);
    }

    [Fact]
    public void Without_the_server_clock_a_silent_agent_still_counts_as_connected()
    {
        var (status, _) = AgentStatusRules.Derive(Created, 0, At(1), At(10), null, At(100_000)!.Value, inactiveTimeout: null);

        Assert.Equal(AgentConnectionStatus.Connected, status);
    }

    [Fact]
    public void A_status_the_server_sent_wins_over_the_connection_times()
    {
        var agent = new Outpost.Sdk.Workspaces.WorkspaceAgent
        {
            Id = Guid.NewGuid(),
            BuildId = Guid.NewGuid(),
            WorkspaceId = Guid.NewGuid(),
            ResourceName = "workspace",
            Name = "main",
            OperatingSystem = "linux",
            Architecture = "amd64",
            ConnectionTimeoutSeconds = 0,
            LifecycleState = AgentLifecycleState.Ready,
            CreatedAt = Created,
            FirstConnectedAt = At(1),
            LastConnectedAt = At(10),
            Status = AgentConnectionStatus.Disconnected,
        };

        Assert.Equal(AgentConnectionStatus.Disconnected, AgentStatusRules.StatusOf(agent, At(11)!.Value));
        Assert.Equal(AgentConnectionStatus.Connected, AgentStatusRules.StatusOf(agent with { Status = null }, At(11)!.Value));
    }

    private static DateTimeOffset? At(int? seconds) => seconds is { } s ? Created.AddSeconds(s) : null;
}
