using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

public sealed class PingSessionTests
{
    [Fact]
    public async Task A_ping_session_answers_every_frame_with_the_same_bytes_until_the_client_closes()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Ping });
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));

        await client.SendAsync("one");
        Assert.True(await client.ReadUntilOutputAsync("one"));
        await client.SendAsync("two");
        Assert.True(await client.ReadUntilOutputAsync("onetwo"));
        await client.Socket.CloseAsync(SessionClose.Of(Sdk.Agents.DisconnectReason.ClientClosed, Sdk.Agents.DisconnectInitiator.Client, "ping done"), TestTimeouts.Short, TimeProvider.System);

        var end = await client.Served.WithTimeout();
        Assert.Equal(("client_closed", "ping done"), (end.Reason.LogValue, end.Detail));
        Assert.Equal("ping", (await harness.Logger.WaitForIdAsync(5151)).Field("Kind"));
    }

    [Fact]
    public async Task A_ping_session_refuses_anything_but_data()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Ping });
        await client.Socket.SendAsync(SessionFrameType.Resize, [0, 24, 0, 80], TestTimeouts.Token());
        Assert.True(await client.ReadToEndAsync());
        Assert.Equal("protocol_error", client.Close!.Reason);
        Assert.Contains("a Resize frame from the client in a ping session", client.Close.Detail, StringComparison.Ordinal);
    }
}
