using Outpost.Telemetry.Workspaces;

namespace Outpost.Cli.Tests.Diagnose;

/// <summary><c>outpost diagnose</c> without the server: the local telemetry's story, the missing part said, bad files named.</summary>
public sealed class DiagnoseOfflineTests
{
    [Fact]
    public async Task Without_a_server_it_tells_what_the_local_telemetry_knows_says_the_server_part_is_missing_and_names_a_bad_file()
    {
        using var cli = new TestCli();
        using (var stdout = new StringWriter())
        using (var stderr = new StringWriter())
        {
            await using var context = cli.CreateContext(stdout, stderr);
            ConnectionTelemetry.RecordClosed(context.Telemetry, new ConnectionClosed("alice/dev", "main", "ssh", "pty", "network_error", false, "network",
                "the connection reset", TimeSpan.FromSeconds(12), 100, 2000, null));
            ConnectionTelemetry.RecordClosed(context.Telemetry, new ConnectionClosed("alice/other", "main", "ssh", "pty", "network_error", false, "network",
                "not this workspace", TimeSpan.FromSeconds(1), 1, 1, null));
        }

        var bad = Path.Combine(cli.TelemetryDirectory, $"telemetry-{DateTime.UtcNow:yyyy-MM-dd}-broken00.jsonl");
        await File.WriteAllTextAsync(bad, "this is not telemetry\n");

        var run = await cli.RunAsync("diagnose", "dev");
        Assert.True(run.ExitCode == ExitCodes.NeedsInvestigation, run.Stdout + run.Stderr);
        Assert.Contains("The server's part: missing: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Skipped a local telemetry file: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("broken00", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("a pty session from this machine ended at", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("network_error (initiated by the network)", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not this workspace", run.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("1 incident needs investigating.\n", run.Stdout, StringComparison.Ordinal);

        // Nothing to investigate, but without the server that is not the whole story: exit 6.
        using var empty = new TestCli();
        var none = await empty.RunAsync("diagnose", "dev");
        Assert.Equal(ExitCodes.Unreachable, none.ExitCode);
        Assert.EndsWith("Nothing in this machine's telemetry needs investigating, but the server's part is missing.\n", none.Stdout, StringComparison.Ordinal);
    }
}
