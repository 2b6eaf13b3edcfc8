using System.Security.Cryptography;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

public sealed class ExecSessionTests
{
    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    public async Task An_exec_reports_the_exit_code_as_a_graceful_end(string script, int code)
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", script] });

        Assert.True(await client.ReadToEndAsync());
        var end = await client.Served.WithTimeout();

        Assert.Equal(code, client.Exit!.Code);
        Assert.Null(client.Exit.Signal);
        Assert.Equal("graceful", client.Close!.Reason);
        Assert.Equal($"exit {code}", client.Close.Detail);
        Assert.Equal(DisconnectReason.Graceful, end.Reason);
        var logged = await harness.Logger.WaitForIdAsync(Sdk.Diagnostics.OutpostEventIds.AgentSessions + 1);
        Assert.Equal("graceful", logged.Field("disconnect_reason"));
        Assert.Equal("agent_to_client", logged.Field("connect_type"));
    }

    [Fact]
    public async Task An_exec_killed_by_a_signal_reports_the_signal()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "kill -KILL $$"] });

        Assert.True(await client.ReadToEndAsync());

        Assert.Null(client.Exit!.Code);
        Assert.Equal("KILL", client.Exit.Signal);
        Assert.Equal(137, client.Exit.ShellStatus);
        Assert.Equal("signal KILL", client.Close!.Detail);
    }

    [Fact]
    public async Task Stdout_and_stderr_stay_apart_and_the_workspace_environment_is_set()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader
        {
            Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "echo out:$OUTPOST_TEST_VAR:$EXTRA; echo err >&2; pwd"],
            Env = new Dictionary<string, string> { ["EXTRA"] = "from-the-header" },
        });

        Assert.True(await client.ReadToEndAsync());

        Assert.Equal($"out:from-the-workspace:from-the-header\n{harness.Directory}\n", client.StdoutText);
        Assert.Equal("err\n", client.StderrText);
    }

    [Fact]
    public async Task Binary_stdin_comes_back_unchanged_through_cat()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Exec, Command = "cat" });
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        var reading = client.ReadToEndAsync();
        for (var offset = 0; offset < data.Length; offset += SessionLimits.MaxPayloadBytes)
        {
            await client.Socket.SendAsync(SessionFrameType.Stdin, data.AsSpan(offset, Math.Min(SessionLimits.MaxPayloadBytes, data.Length - offset)), TestTimeouts.Token());
        }

        await client.Socket.SendAsync(SessionFrameType.StdinEof, [], TestTimeouts.Token());
        Assert.True(await reading.WithTimeout());

        Assert.Equal(0, client.Exit!.Code);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(client.Stdout));
    }

    [Fact]
    public async Task A_missing_program_exits_127_and_says_why()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Exec, Command = "/nonexistent/program" });

        Assert.True(await client.ReadToEndAsync());

        Assert.Equal(127, client.Exit!.Code);
        Assert.Contains("no such file", client.Close!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_goes_away_ends_the_process_group()
    {
        await using var harness = new SessionHarness();
        var pidFile = Path.Combine(harness.Directory, "pid");
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", $"sleep 300 & echo $! > {pidFile}; echo started; wait"] });
        Assert.True(await client.ReadUntilOutputAsync("started"));
        var sleeper = int.Parse(await File.ReadAllTextAsync(pidFile), System.Globalization.CultureInfo.InvariantCulture);

        await client.Socket.SendAsync(SessionFrames.Close(SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "user pressed ^C")), TestTimeouts.Token());
        var end = await client.Served.WithTimeout();

        Assert.Equal(DisconnectReason.ClientClosed, end.Reason);
        Assert.Equal("user pressed ^C", end.Detail);
        // SIGKILL to the group is delivered asynchronously and the sleeper is not our child (no wait
        // event for it), so watch /proc for it to go, within a bound.
        var deadline = TimeProvider.System.GetTimestamp() + TimeSpan.FromSeconds(10).Ticks * TimeProvider.System.TimestampFrequency / TimeSpan.TicksPerSecond;
        while (IsAlive(sleeper) && TimeProvider.System.GetTimestamp() < deadline)
        {
            await Task.Delay(10, TestTimeouts.Token());
        }

        Assert.False(IsAlive(sleeper), $"process {sleeper} of the session's group is still running");
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Garbage_instead_of_a_header_is_a_protocol_error()
    {
        await using var harness = new SessionHarness();
        var client = await harness.ConnectAsync();

        await client.Socket.Socket.SendAsync("hello"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Binary, true, TestTimeouts.Token());
        Assert.True(await client.ReadToEndAsync());
        var end = await client.Served.WithTimeout();

        Assert.Equal("protocol_error", client.Close!.Reason);
        Assert.Equal(DisconnectReason.ProtocolError, end.Reason);
        Assert.Equal(DisconnectInitiator.Client, end.Initiator);
    }

    [Fact]
    public async Task A_header_with_a_bad_port_is_refused_naming_the_field()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Tcp, Port = 70000 });

        Assert.True(await client.ReadToEndAsync());

        Assert.Equal("protocol_error", client.Close!.Reason);
        Assert.StartsWith("port: 70000", client.Close.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_workspace_ends_an_exec_with_workspace_stopped()
    {
        await using var harness = new SessionHarness();
        var client = await harness.OpenAsync(new SessionHeader { Kind = SessionKind.Exec, Command = "sh", Args = ["-c", "echo up; sleep 300"] });
        Assert.True(await client.ReadUntilOutputAsync("up"));

        var reading = client.ReadToEndAsync();
        await harness.Sessions.StopAllAsync(new Agent.Sessions.SessionEnd(DisconnectReason.WorkspaceStopped, DisconnectInitiator.Server, "build 7 stops the workspace")).WithTimeout();
        Assert.True(await reading);

        Assert.Equal("workspace_stopped", client.Close!.Reason);
        Assert.Equal(DisconnectReason.WorkspaceStopped, (await client.Served.WithTimeout()).Reason);
    }
}
