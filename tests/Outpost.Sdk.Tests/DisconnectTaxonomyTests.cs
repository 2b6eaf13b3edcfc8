using System.Text.Json;
using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Tests;

public sealed class DisconnectTaxonomyTests
{
    [Theory]
    [InlineData("", true, false, "unknown")]
    [InlineData("graceful", true, true, "graceful")]
    [InlineData("client_closed", true, true, "client_closed")]
    [InlineData("server_shutdown", true, true, "server_shutdown")]
    [InlineData("network_error", true, false, "network_error")]
    [InlineData("protocol_error", true, false, "protocol_error")]
    [InlineData("workspace_stopped", true, true, "workspace_stopped")]
    [InlineData("control_plane_lost", true, false, "control_plane_lost")]
    [InlineData("cosmic_rays", false, false, "cosmic_rays")]
    public void Disconnect_reasons_know_whether_they_are_valid_and_expected(string value, bool valid, bool expected, string logged)
    {
        var reason = new DisconnectReason(value);

        Assert.Equal(valid, reason.Valid());
        Assert.Equal(expected, reason.Expected());
        Assert.Equal(logged, reason.LogValue);
    }

    [Fact]
    public void The_default_reason_is_unknown_and_logs_as_unknown()
    {
        var reason = default(DisconnectReason);

        Assert.Equal(DisconnectReason.Unknown, reason);
        Assert.Equal("unknown", reason.LogValue);
        Assert.True(reason.Valid());
        Assert.False(reason.Expected());
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("client", true)]
    [InlineData("agent", true)]
    [InlineData("server", true)]
    [InlineData("network", true)]
    [InlineData("user", false)]
    public void Initiators_are_valid_only_for_the_five_values(string value, bool valid) =>
        Assert.Equal(valid, new DisconnectInitiator(value).Valid());

    [Theory]
    [InlineData("server_to_agent", true)]
    [InlineData("agent_to_client", true)]
    [InlineData("client_to_server", true)]
    [InlineData("", false)]
    public void Connection_directions_are_the_three_layers(string value, bool valid) =>
        Assert.Equal(valid, new ConnectionDirection(value).Valid());

    [Theory]
    [InlineData("", true)]
    [InlineData("direct", true)]
    [InlineData("derp", true)]
    [InlineData("relay", false)]
    public void Connection_methods_are_unknown_direct_or_derp(string value, bool valid) =>
        Assert.Equal(valid, new ConnectionMethod(value).Valid());

    [Fact]
    public void Local_shutdown_wins_over_any_error()
    {
        var (reason, initiator) = DisconnectClassifier.ClassifyControlPlaneExit(localShutdown: true, new IOException("close timed out"));

        Assert.Equal(DisconnectReason.ServerShutdown, reason);
        Assert.Equal(DisconnectInitiator.Agent, initiator);
    }

    [Fact]
    public void A_clean_end_by_the_server_is_graceful()
    {
        var (reason, initiator) = DisconnectClassifier.ClassifyControlPlaneExit(localShutdown: false, error: null);

        Assert.Equal(DisconnectReason.Graceful, reason);
        Assert.Equal(DisconnectInitiator.Server, initiator);
    }

    [Fact]
    public void A_broken_stream_is_a_network_error()
    {
        var (reason, initiator) = DisconnectClassifier.ClassifyControlPlaneExit(localShutdown: false, new IOException("read: connection reset"));

        Assert.Equal(DisconnectReason.NetworkError, reason);
        Assert.Equal(DisconnectInitiator.Network, initiator);
    }

    [Fact]
    public void Control_messages_carry_their_type_in_json()
    {
        AgentControlMessage message = new LifecycleMessage { State = AgentLifecycleState.ShuttingDown, ChangedAt = DateTimeOffset.UnixEpoch };

        var json = JsonSerializer.Serialize(message, OutpostJson.Options);
        var back = JsonSerializer.Deserialize<AgentControlMessage>(json, OutpostJson.Options);

        Assert.Contains("\"type\":\"lifecycle\"", json, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"shutting_down\"", json, StringComparison.Ordinal);
        Assert.Equal(message, back);
    }
}
