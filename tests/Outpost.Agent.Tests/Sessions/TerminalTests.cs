using Outpost.Agent.Sessions;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

public sealed class TerminalTests
{
    // HOME is the test's directory: the login shell must not run (or be slowed or locked by) the machine user's profile.
    private static SessionHeader Pty(Guid? id = null, int rows = 24, int cols = 80) =>
        new() { Kind = SessionKind.Pty, Rows = rows, Cols = cols, Term = "xterm-test", ReconnectId = id, Env = new Dictionary<string, string> { ["PS1"] = "$ ", ["HOME"] = Path.GetTempPath() } };

    [Fact]
    public async Task The_shell_has_a_controlling_terminal_and_stty_size_follows_a_resize()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(Pty());
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));

        await client.SendAsync("exec 3</dev/tty && echo ctty-$TERM-ok; stty size\n");
        Assert.True(await client.ReadUntilOutputAsync("ctty-xterm-test-ok"));
        Assert.True(await client.ReadUntilOutputAsync("24 80"));

        await client.Socket.SendAsync(SessionFrames.Resize(50, 132), TestTimeouts.Token());
        await client.SendAsync("stty size\n");
        Assert.True(await client.ReadUntilOutputAsync("50 132"));
    }

    [Fact]
    public async Task A_resize_to_zero_is_refused_and_the_size_stays()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(Pty());
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));

        await client.Socket.SendAsync(SessionFrames.Resize(0, 0), TestTimeouts.Token());
        await harness.Logger.WaitForIdAsync(OutpostEventIds.AgentSessions + 6);
        await client.SendAsync("stty size\n");

        Assert.True(await client.ReadUntilOutputAsync("24 80"));
    }

    [Fact]
    public async Task Exiting_the_shell_reports_its_code_and_closes_gracefully()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(Pty());
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));

        await client.SendAsync("exit 3\n");
        Assert.True(await client.ReadToEndAsync());

        Assert.Equal(3, client.Exit!.Code);
        Assert.Equal("graceful", client.Close!.Reason);
        Assert.Equal("exit 3", client.Close.Detail);
        var closed = await harness.Logger.WaitForIdAsync(OutpostEventIds.AgentSessions + 5);
        Assert.Equal("graceful", closed.Field("disconnect_reason"));
        Assert.Equal(0, harness.Sessions.Terminals);
    }

    [Fact]
    public async Task A_client_that_comes_back_gets_the_scrollback_and_what_it_missed()
    {
        await using var harness = new SessionHarness();
        var id = Guid.NewGuid();
        var first = await harness.OpenAsync(Pty(id));
        Assert.True(await first.ReadUntilAsync(c => c.Opened is not null));
        Assert.Equal(id, first.Opened!.ReconnectId);
        await first.SendAsync("echo before-$((40+2))\n");
        Assert.True(await first.ReadUntilOutputAsync("before-42"));
        await first.SendAsync("sleep 0.3; echo while-$((1+1))-away\n");

        // The network drops: the agent sees its socket break, the terminal keeps running.
        first.Socket.Socket.Abort();
        var dropped = await first.Served.WithTimeout();
        Assert.Equal(DisconnectReason.NetworkError, dropped.Reason);
        Assert.Equal(1, harness.Sessions.Terminals);

        var second = await harness.OpenAsync(Pty(id));
        Assert.True(await second.ReadUntilOutputAsync("while-2-away"));

        Assert.True(second.Opened!.Reconnected);
        Assert.True(second.Opened.ReplayedBytes > 0);
        Assert.Contains("before-42", second.StdoutText, StringComparison.Ordinal);
        await harness.Logger.WaitForIdAsync(OutpostEventIds.AgentSessions + 4);
    }

    [Fact]
    public async Task A_terminal_without_a_client_closes_after_the_idle_timeout_and_its_group_dies()
    {
        var clock = new FakeTimeProvider();
        await using var harness = new SessionHarness(clock, new AgentSessionOptions { IdleTimeout = TimeSpan.FromMinutes(5) });
        var client = await harness.OpenAsync(Pty());
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));
        await client.SendAsync("echo shell=$$\n");
        Assert.True(await client.ReadUntilOutputAsync("shell="));
        Assert.True(await client.ReadUntilAsync(c => System.Text.RegularExpressions.Regex.IsMatch(c.StdoutText, @"shell=\d+\r")));
        var pid = int.Parse(System.Text.RegularExpressions.Regex.Match(client.StdoutText, @"shell=(\d+)\r").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        await client.Socket.SendAsync(SessionFrames.Close(SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "detached")), TestTimeouts.Token());
        Assert.Equal(DisconnectReason.ClientClosed, (await client.Served.WithTimeout()).Reason);
        Assert.Equal(1, harness.Sessions.Terminals);

        clock.Advance(TimeSpan.FromMinutes(5));
        var closed = await harness.Logger.WaitForIdAsync(OutpostEventIds.AgentSessions + 5);

        Assert.Contains("idle timeout", closed.Field("disconnect_detail"), StringComparison.Ordinal);
        Assert.False(Directory.Exists($"/proc/{pid}"));
    }

    [Fact]
    public async Task Stopping_the_workspace_closes_an_attached_terminal_with_workspace_stopped()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(Pty());
        Assert.True(await client.ReadUntilAsync(c => c.Opened is not null));

        // The client reads while the agent stops, as a real one does: the agent waits only CloseTimeout for an answer to its
        // close before dropping the socket, and a drop before the frames are read loses them.
        var reading = client.ReadToEndAsync();
        await harness.Sessions.StopAllAsync(new SessionEnd(DisconnectReason.WorkspaceStopped, DisconnectInitiator.Server, "stopped")).WithTimeout();
        Assert.True(await reading);

        Assert.Equal("workspace_stopped", client.Close!.Reason);
        Assert.Equal(0, harness.Sessions.Terminals);
    }
}
