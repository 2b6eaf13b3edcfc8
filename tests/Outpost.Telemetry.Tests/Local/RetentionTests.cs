using Outpost.Telemetry.Local;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Testing;

namespace Outpost.Telemetry.Tests.Local;

public sealed class RetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 12, 0, 0, TimeSpan.Zero);

    private static string Make(TempDirectory directory, string name, int bytes, double ageDays)
    {
        var path = directory.Combine(name);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, (Now - TimeSpan.FromDays(ageDays)).UtcDateTime);
        return name;
    }

    private static void Run(TempDirectory directory, LocalTelemetrySettings settings, ITelemetryFileSystem? files = null, CapturingLogger? logger = null) =>
        new TelemetryRetention(files ?? TelemetryFileSystem.Instance, logger ?? new CapturingLogger()).Run(directory.Path, "own00000", settings, Now);

    [Fact]
    public void Rule_4_6_files_older_than_max_age_are_deleted()
    {
        using var directory = new TempDirectory();
        Make(directory, "telemetry-2026-04-01-other001.jsonl", 10, 33);
        var fresh = Make(directory, "telemetry-2026-05-01-other002.jsonl", 10, 3);

        Run(directory, new LocalTelemetrySettings { MaxAgeDays = 30 });

        Assert.Equal([fresh], directory.TelemetryFiles());
    }

    [Fact]
    public void Rule_4_6_the_current_session_files_are_never_touched()
    {
        using var directory = new TempDirectory();
        var ownOld = Make(directory, "telemetry-2026-01-01-own00000.jsonl", 10_000, 120);
        var ownPart = Make(directory, "telemetry-2026-01-01-own00000.4.jsonl", 10_000, 120);

        Run(directory, new LocalTelemetrySettings { MaxAgeDays = 1, MaxTotalBytes = 4096 });

        Assert.Equal([ownPart, ownOld], directory.TelemetryFiles());
    }

    [Fact]
    public void Rule_4_6_foreign_files_are_never_touched()
    {
        using var directory = new TempDirectory();
        Make(directory, "notes.jsonl", 10_000, 400);
        Make(directory, "telemetry-2026-01-01-x.bad.jsonl", 10_000, 400);

        Run(directory, new LocalTelemetrySettings { MaxAgeDays = 1, MaxTotalBytes = 4096 });

        Assert.True(File.Exists(directory.Combine("notes.jsonl")));
        Assert.True(File.Exists(directory.Combine("telemetry-2026-01-01-x.bad.jsonl")));
    }

    [Fact]
    public void Rule_4_6_over_the_total_cap_the_oldest_files_go_first_until_it_fits()
    {
        using var directory = new TempDirectory();
        Make(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", 3000, 3);
        Make(directory, "telemetry-2026-05-02-bbbbbbbb.jsonl", 3000, 2);
        var newer = Make(directory, "telemetry-2026-05-03-cccccccc.jsonl", 3000, 1);
        var newest = Make(directory, "telemetry-2026-05-04-dddddddd.jsonl", 3000, 0.5);

        Run(directory, new LocalTelemetrySettings { MaxTotalBytes = 6000 });

        Assert.Equal([newer, newest], directory.TelemetryFiles());
    }

    [Fact]
    public void Rule_4_6_a_failed_delete_is_logged_at_debug_and_the_rest_continues()
    {
        using var directory = new TempDirectory();
        var stuck = Make(directory, "telemetry-2026-01-01-aaaaaaaa.jsonl", 10, 100);
        Make(directory, "telemetry-2026-01-02-bbbbbbbb.jsonl", 10, 100);
        var files = new FaultyFileSystem { DeleteFault = path => path.EndsWith(stuck, StringComparison.Ordinal) ? new UnauthorizedAccessException("read-only") : null };
        var logger = new CapturingLogger();

        Run(directory, new LocalTelemetrySettings(), files, logger);

        Assert.Equal([stuck], directory.TelemetryFiles());
        Assert.Contains(logger.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Debug && e.Message.Contains(stuck, StringComparison.Ordinal));
        Assert.Empty(logger.Warnings);
    }

    [Fact]
    public void Rule_4_6_a_missing_directory_is_not_an_error()
    {
        using var directory = new TempDirectory();
        var logger = new CapturingLogger();

        new TelemetryRetention(TelemetryFileSystem.Instance, logger).Run(directory.Combine("missing"), "own00000", new LocalTelemetrySettings(), Now);

        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task Rule_4_6_retention_runs_once_when_the_sink_starts()
    {
        using var directory = new TempDirectory();
        Make(directory, "telemetry-2026-01-01-aaaaaaaa.jsonl", 10, 123);
        var time = new FakeTimeProvider(Now);

        await using var harness = new SinkHarness(directory: directory, time: time);
        await harness.Sink.Retention.WaitAsync(TestTelemetry.Timeout);

        Assert.Empty(directory.TelemetryFiles());
    }
}
