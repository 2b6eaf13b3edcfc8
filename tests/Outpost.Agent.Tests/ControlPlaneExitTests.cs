using Outpost.Agent.ControlPlane;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;

namespace Outpost.Agent.Tests;

public sealed class ControlPlaneExitTests
{
    [Theory]
    [InlineData("local shutdown", true, null, null, false, null, "server_shutdown", "agent")]
    [InlineData("local shutdown with a failed close", true, null, null, false, "close timed out", "server_shutdown", "agent")]
    [InlineData("local shutdown while the server also closed", true, 1001, AgentApi.ServerShutdownCloseReason, false, null, "server_shutdown", "agent")]
    [InlineData("server going away", false, 1001, AgentApi.ServerShutdownCloseReason, false, null, "server_shutdown", "server")]
    [InlineData("workspace stopped", false, 1000, AgentApi.WorkspaceStoppedCloseReason, false, null, "workspace_stopped", "server")]
    [InlineData("clean close", false, 1000, "bye", false, null, "graceful", "server")]
    [InlineData("1001 without the shutdown reason", false, 1001, null, false, null, "graceful", "server")]
    [InlineData("reset", false, null, null, false, "read: connection reset", "network_error", "network")]
    [InlineData("garbage", false, null, null, true, null, "protocol_error", "agent")]
    public void The_exit_of_a_connection_is_classified_by_the_seed_rule(
        string because, bool localShutdown, int? closeStatus, string? closeDescription, bool garbage, string? error, string reason, string initiator)
    {
        var closing = garbage ? ControlPlaneFrame.Invalid("not json") : closeStatus is { } status ? ControlPlaneFrame.Closed(status, closeDescription) : null;

        var exit = ControlPlaneExit.Classify(localShutdown, closing, error is null ? null : new IOException(error));

        Assert.True(reason == exit.Reason.Value, $"{because}: reason {exit.Reason}");
        Assert.True(initiator == exit.Initiator.Value, $"{because}: initiator {exit.Initiator}");
        Assert.True(exit.Reason.Valid() && exit.Initiator.Valid());
        Assert.NotEmpty(exit.Message);
    }
}
