using System.Text;
using System.Text.Json;
using Outpost.Cli.Sessions;
using Outpost.Telemetry.Workspaces;

namespace Outpost.Cli.Tests.Diagnose;

/// <summary><c>outpost diagnose</c> and <c>--bundle</c> without the server: the local telemetry's story, the missing part said, bad files named.</summary>
public sealed class DiagnoseOfflineTests
{
    [Fact]
    public async Task Without_a_server_it_tells_what_the_local_telemetry_knows_says_the_server_part_is_missing_and_names_a_bad_file()
    {
        using var cli = new TestCli();
        await RecordAsync(cli);
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

    [Fact]
    public async Task Without_the_server_the_bundle_holds_the_local_telemetry_names_the_missing_parts_and_the_corrupted_file()
    {
        using var cli = new TestCli();
        await RecordAsync(cli);
        var bundle = Path.Combine(cli.TelemetryDirectory, "..", "offline.zip");
        var run = await cli.RunAsync("diagnose", "dev", "--bundle", "-o", bundle);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("skipped workspace.json: the server's part is missing: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("skipped a local telemetry file: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("broken00", run.Stdout, StringComparison.Ordinal);

        var entries = DiagnoseBundleTests.Read(bundle);
        Assert.Equal(["diagnosis.json", "diagnosis.txt", "manifest.json", "telemetry.json", "timeline.json"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("workspace.connection.closed", Encoding.UTF8.GetString(entries["telemetry.json"]), StringComparison.Ordinal);
        Assert.Contains("a pty session from this machine ended at", Encoding.UTF8.GetString(entries["diagnosis.txt"]), StringComparison.Ordinal);
        using var manifest = JsonDocument.Parse(entries["manifest.json"]);
        Assert.StartsWith("missing: ", manifest.RootElement.GetProperty("server_part").GetString(), StringComparison.Ordinal);
        Assert.Contains(manifest.RootElement.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("why").GetString()!.Contains("broken00", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(bundle));

        // A session whose server does not answer: the same bundle, the reason named.
        using var stranded = new TestCli();
        await RecordAsync(stranded);
        Directory.CreateDirectory(Path.GetDirectoryName(stranded.SessionPath)!);
        await File.WriteAllTextAsync(stranded.SessionPath, JsonSerializer.Serialize(
            new StoredSession { Url = $"http://127.0.0.1:{Connect.ConnectTesting.FreePort()}/", Kind = StoredSession.TokenKind, AccessToken = "unused-token" },
            SessionJsonContext.Default.StoredSession));
        File.SetUnixFileMode(stranded.SessionPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var unreachable = await stranded.RunAsync("diagnose", "dev", "--bundle", "--bundle-file", bundle);
        Assert.True(unreachable.ExitCode == 0, unreachable.Stdout + unreachable.Stderr);
        Assert.Contains("skipped workspace.json: the server's part is missing: cannot reach the server", unreachable.Stdout, StringComparison.Ordinal);
        Assert.Contains("workspace.connection.closed", Encoding.UTF8.GetString(DiagnoseBundleTests.Read(bundle)["telemetry.json"]), StringComparison.Ordinal);

        var misplaced = await cli.RunAsync("diagnose", "dev", "-o", bundle);
        Assert.Equal(ExitCodes.Usage, misplaced.ExitCode);
    }

    [Theory]
    [InlineData("-o json --bundle", "with --bundle, -o/--output names the zip to write (a path ending .zip), not a format")]
    [InlineData("--bundle -o bundle.tar", "with --bundle, -o/--output \"bundle.tar\" must be a path ending .zip")]
    [InlineData("--bundle -o a.zip --bundle-file b.zip", "name the zip once: -o/--output or --bundle-file, not both")]
    [InlineData("-o a.zip", "-o/--output \"a.zip\" is a zip: a support bundle needs --bundle too")]
    [InlineData("--bundle-file a.zip", "--bundle-file names the zip of --bundle; pass --bundle too")]
    [InlineData("--output yaml", "-o/--output \"yaml\" is neither table nor json (nor, with --bundle, a path ending .zip)")]
    public async Task Output_is_a_format_or_with_bundle_the_zip_and_a_mix_is_a_usage_error_that_says_which(string arguments, string error)
    {
        using var cli = new TestCli();
        var run = await cli.RunAsync(["diagnose", "dev", .. arguments.Split(' ')]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"error: {error}", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>This machine's telemetry: a dropped session of alice/dev, one of another workspace, and a file that is not telemetry.</summary>
    private static async Task RecordAsync(TestCli cli)
    {
        using (var stdout = new StringWriter())
        using (var stderr = new StringWriter())
        {
            await using var context = cli.CreateContext(stdout, stderr);
            ConnectionTelemetry.RecordClosed(context.Telemetry, new ConnectionClosed("alice/dev", "main", "ssh", "pty", "network_error", false, "network",
                "the connection reset", TimeSpan.FromSeconds(12), 100, 2000, null));
            ConnectionTelemetry.RecordClosed(context.Telemetry, new ConnectionClosed("alice/other", "main", "ssh", "pty", "network_error", false, "network",
                "not this workspace", TimeSpan.FromSeconds(1), 1, 1, null));
        }

        await File.WriteAllTextAsync(Path.Combine(cli.TelemetryDirectory, $"telemetry-{DateTime.UtcNow:yyyy-MM-dd}-broken00.jsonl"), "this is not telemetry\n");
    }
}
