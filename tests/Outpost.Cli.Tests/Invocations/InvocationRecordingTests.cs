using System.Text.Json;
using Outpost.Cli.Invocations;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Invocations;

public sealed class InvocationRecordingTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    [Fact]
    public async Task Every_command_records_one_cli_invocation_with_its_outcome()
    {
        using var cli = new TestCli();

        var login = await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        var whoami = await cli.RunAsync("whoami", "--output", "json");
        var bad = await cli.RunAsync("tokens", "create", "--name", "x", "--lifetime", "soon");

        // Ordered by when each command started, which the entries record themselves.
        var entries = cli.Events(InvocationRecorder.EventName).OrderBy(e => e.Properties["startedAt"], StringComparer.Ordinal).ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal(["login", "whoami", "tokens"], entries.Select(e => e.Properties["command"]));
        Assert.Equal([0, 0, ExitCodes.Usage], [login.ExitCode, whoami.ExitCode, bad.ExitCode]);
        Assert.Equal(["success", "success", "user_error"], entries.Select(e => e.Properties["status"]));
        Assert.Equal(["0", "0", "2"], entries.Select(e => e.Properties["exitCode"]));
        Assert.Equal("create", entries[2].Properties["subcommand"]);
        Assert.False(entries[0].Properties.ContainsKey("subcommand"));
        Assert.Equal(["<REDACTED>"], JsonSerializer.Deserialize<string[]>(entries[0].Properties["args"])!);
        Assert.Equal(["--email", "--password"], JsonSerializer.Deserialize<string[]>(entries[0].Properties["optionKeys"])!);
        Assert.All(entries, e => Assert.True(e.Measurements["durationMs"] >= 0));
        Assert.All(entries, e => Assert.True(Guid.TryParse(e.Properties["invocationId"], out _)));
        Assert.Equal(3, entries.Select(e => e.Properties["invocationId"]).Distinct().Count());
        var text = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.DoesNotContain(ClockedServerFixture.OwnerPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ClockedServerFixture.OwnerEmail, text, StringComparison.Ordinal);
        // args, optionKeys and globalOptions are JSON arrays in the rows, not strings holding JSON.
        var rows = Directory.GetFiles(cli.TelemetryDirectory).SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(row => row.TryGetProperty("event_name", out var name) && name.GetString() == InvocationRecorder.EventName).ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.All(new[] { "args", "optionKeys", "globalOptions" }, key => Assert.Equal(JsonValueKind.Array, row.GetProperty("properties").GetProperty(key).ValueKind)));

        // The deployment is recorded once per event, normalized; never as an argument.
        Assert.DoesNotContain($"127.0.0.1:{server.BaseAddress.Port}", string.Concat(entries.Select(e => e.Properties["args"])), StringComparison.Ordinal);
        var deployment = $"{server.BaseAddress.Scheme}://{server.BaseAddress.Authority}";
        Assert.All(cli.Events().Where(e => e.EventName != InvocationRecorder.EventName || e.Properties["command"] != "tokens"), e => Assert.Equal(deployment, e.Context.DeploymentUrl));
    }

    [Fact]
    public async Task Telemetry_status_and_path_do_not_create_the_telemetry_directory()
    {
        using var cli = new TestCli();

        var status = await cli.RunAsync("telemetry", "status");
        var path = await cli.RunAsync("telemetry", "path");
        var statusJson = await cli.RunAsync("telemetry", "status", "-o", "json");

        Assert.Equal([0, 0, 0], new[] { status.ExitCode, path.ExitCode, statusJson.ExitCode });
        Assert.False(Directory.Exists(cli.TelemetryDirectory));

        // Once another command has created it, the inspections are recorded like any command.
        await cli.RunAsync("whoami");
        await cli.RunAsync("telemetry", "status");
        Assert.Equal(["whoami", "telemetry"], cli.Events(InvocationRecorder.EventName).OrderBy(e => e.Properties["startedAt"], StringComparer.Ordinal).Select(e => e.Properties["command"]));
    }

    [Fact]
    public async Task No_telemetry_records_nothing_and_changes_nothing_else()
    {
        using var cli = new TestCli();

        var run = await cli.RunAsync("whoami", "--no-telemetry");

        Assert.Equal(ExitCodes.NotLoggedIn, run.ExitCode);
        Assert.Empty(cli.Events());
    }

    [Fact]
    public async Task An_unwritable_telemetry_directory_does_not_change_the_exit_code_or_output()
    {
        using var cli = new TestCli();
        var blocker = Path.Combine(Path.GetTempPath(), $"outpost-blocker-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(blocker, "not a directory");
        cli.Environment["OUTPOST_TELEMETRY_DIR"] = Path.Combine(blocker, "telemetry");
        try
        {
            var run = await cli.RunAsync("whoami");

            Assert.Equal(ExitCodes.NotLoggedIn, run.ExitCode);
            Assert.Empty(run.Stdout);
            Assert.Contains("not logged in", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(blocker);
        }
    }
}
