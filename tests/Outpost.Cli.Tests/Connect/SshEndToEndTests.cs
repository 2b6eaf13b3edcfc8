using System.Diagnostics;
using System.Security.Cryptography;
using Outpost.Telemetry.Workspaces;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>
/// Issue 15 end to end: the real server and its relay, a real local workspace whose agent is a real
/// <c>outpost agent</c> process, and the real <c>outpost ssh</c> process.
/// </summary>
public sealed partial class SshEndToEndTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>
{
    [Fact]
    public async Task Exec_through_the_relay_carries_binary_data_exit_codes_and_signals_and_a_stop_ends_it_with_workspace_stopped()
    {
        using var cli = await ConnectTesting.CreateWorkspaceAsync(server, "sshdev");

        var three = await OutpostProcess.RunAsync(["ssh", "sshdev", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 3"], cli.Environment);
        Assert.True(three.ExitCode == 3, three.Stderr);
        Assert.Equal("to-out", three.Stdout.Trim());
        Assert.Contains("to-err", three.Stderr, StringComparison.Ordinal);

        var zero = await OutpostProcess.RunAsync(["ssh", "sshdev", "--", "true"], cli.Environment);
        Assert.True(zero.ExitCode == 0, zero.Stderr);

        // Client telemetry of the two real runs: a span per connection with its phases, a closed event, no command text or data.
        var opened = cli.Events(ConnectionTelemetry.Opened);
        Assert.Equal(2, opened.Count);
        var span = opened[^1];
        Assert.Equal(("success", "ssh", "exec", "relay", $"{ClockedServerFixture.OwnerUsername}/sshdev", "main", "false"),
            (span.Properties["result"], span.Properties["connectionType"], span.Properties["kind"], span.Properties["path"], span.Properties["workspaceName"], span.Properties["agentName"], span.Properties["reconnect"]));
        Assert.Equal(["resolve_workspace", "wait_for_agent", "dial", "handshake"],
            cli.Events().Where(e => e.ParentEventId == span.EventId).Select(e => e.EventName[(ConnectionTelemetry.Opened.Length + 1)..]));
        var closed = cli.Events(ConnectionTelemetry.Closed);
        Assert.Equal(2, closed.Count);
        Assert.Equal(("graceful", "true", "agent", "3"), (closed[0].Properties["disconnectReason"], closed[0].Properties["disconnectExpected"], closed[0].Properties["disconnectInitiator"], closed[0].Properties["exitCode"]));
        Assert.Equal("0", closed[1].Properties["exitCode"]);
        Assert.DoesNotContain("disconnectDetail", closed[1].Properties.Keys);
        Assert.True(closed[0].Measurements["bytesReceived"] > "to-out".Length && closed[0].Measurements["bytesSent"] > 0 && closed[0].Measurements["durationMs"] > 0);
        var files = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.DoesNotContain("to-out", files, StringComparison.Ordinal);
        Assert.DoesNotContain("to-err", files, StringComparison.Ordinal);

        var killed = await OutpostProcess.RunAsync(["ssh", "sshdev", "--", "sh", "-c", "kill -KILL $$"], cli.Environment);
        Assert.True(killed.ExitCode == 137, killed.Stderr);

        var data = RandomNumberGenerator.GetBytes(50 * 1024 * 1024);
        var (catExit, echoed) = await RunBinaryAsync(cli.Environment, data, "ssh", "sshdev", "--", "cat");
        Assert.Equal(0, catExit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(echoed));

        await using var sleeper = OutpostProcess.Start(["ssh", "sshdev", "--", "sh", "-c", "echo sleeping; sleep 300"], cli.Environment);
        await sleeper.WaitForLineAsync(l => l.Contains("sleeping", StringComparison.Ordinal));
        var stop = await cli.RunAsync("stop", "sshdev", "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Equal(255, await sleeper.WaitForExitAsync());
        Assert.Contains("disconnect_reason=workspace_stopped", sleeper.StandardError, StringComparison.Ordinal);

        var stopped = await OutpostProcess.RunAsync(["ssh", "sshdev", "--", "true"], cli.Environment);
        Assert.NotEqual(0, stopped.ExitCode);
        Assert.Contains("is stopped", stopped.Stderr, StringComparison.Ordinal);

        // The connection log: one closed row per session, with what passed and how it ended.
        var sessions = await ConnectTesting.ConnectionsAsync(cli, ["sshdev", "--type", "ssh"]);
        Assert.Equal(5, sessions.Count);
        Assert.All(sessions, s => Assert.True(s.EndedAt is not null && s.Path == "relay" && s.Username == ClockedServerFixture.OwnerUsername && s.ClientAddress is not null, s.ToString()));
        Assert.Equal([0, 0, 3, 137], sessions.Where(s => s.ExitCode is not null).Select(s => s.ExitCode!.Value).Order());
        Assert.Contains(sessions, s => s.BytesToAgent >= data.Length && s.BytesToClient >= data.Length && s.DisconnectReason == "graceful");
        var stoppedRow = Assert.Single(sessions, s => s.ExitCode is null);
        Assert.Equal(("workspace_stopped", "server", true), (stoppedRow.DisconnectReason, stoppedRow.DisconnectInitiator, stoppedRow.DisconnectExpected));
        var controlPlane = Assert.Single(await ConnectTesting.ConnectionsAsync(cli, ["sshdev", "--type", "control_plane"]));
        Assert.NotNull(controlPlane.EndedAt);
        Assert.Null(controlPlane.UserId);
    }

    private static async Task<(int ExitCode, byte[] Stdout)> RunBinaryAsync(IReadOnlyDictionary<string, string?> environment, byte[] stdin, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "outpost.dll"));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["OUTPOST_TELEMETRY"] = "off";
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        using var process = Process.Start(startInfo)!;
        var output = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin).AsTask().WithTimeout(TimeSpan.FromMinutes(3));
        process.StandardInput.Close();
        await reading.WithTimeout(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync().WithTimeout();
        Assert.True(process.ExitCode == 0, await errors.WithTimeout());
        return (process.ExitCode, output.ToArray());
    }
}
