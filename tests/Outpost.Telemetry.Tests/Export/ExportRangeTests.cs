using Outpost.Telemetry.Export;

namespace Outpost.Telemetry.Tests.Export;

public sealed class ExportRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 12, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Rule_10_2_presets_are_windows_ending_now_with_dated_file_parts()
    {
        Assert.Equal(new ExportRange("Last 24 hours", "last-24-hours-2026-05-04", Now.AddDays(-1), Now), ExportRange.Last24Hours(Now));
        Assert.Equal(new ExportRange("Last 7 days", "last-7-days-2026-05-04", Now.AddDays(-7), Now), ExportRange.Last7Days(Now));
        Assert.Equal(new ExportRange("Last 30 days", "last-30-days-2026-05-04", Now.AddDays(-30), Now), ExportRange.Last30Days(Now));
        Assert.Equal(new ExportRange("All time", "all-time-2026-05-04", null, null), ExportRange.AllTime(Now));
    }

    [Fact]
    public void Rule_10_2_a_custom_range_covers_whole_utc_days_through_the_end_date()
    {
        var range = ExportRange.Custom(new DateOnly(2026, 5, 1), new DateOnly(2026, 5, 3));

        Assert.Equal("2026-05-01 to 2026-05-03", range.Label);
        Assert.Equal("2026-05-01-to-2026-05-03", range.FilenamePart);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), range.Start);
        Assert.Equal(new DateTimeOffset(2026, 5, 4, 0, 0, 0, TimeSpan.Zero), range.End);
    }

    [Fact]
    public void Rule_10_2_an_end_before_the_start_is_an_error()
    {
        var failure = Assert.Throws<ArgumentException>(() => ExportRange.Custom(new DateOnly(2026, 5, 3), new DateOnly(2026, 5, 1)));

        Assert.StartsWith("End date must be on or after start date.", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-5-1", "Use YYYY-MM-DD.")]
    [InlineData("yesterday!", "Use YYYY-MM-DD.")]
    [InlineData("2026-02-30", "Enter a valid calendar date.")]
    [InlineData("2026-05-01", null)]
    public void Rule_10_1_dates_are_validated_with_the_prompt_messages(string text, string? message)
    {
        Assert.Equal(message, ExportRange.ValidateDate(text, out _));
    }

    [Fact]
    public void Rule_10_2_the_window_is_half_open()
    {
        var range = ExportRange.Custom(new DateOnly(2026, 5, 1), new DateOnly(2026, 5, 1));

        Assert.True(range.Contains(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(range.Contains(new DateTimeOffset(2026, 5, 1, 23, 59, 59, 999, TimeSpan.Zero)));
        Assert.False(range.Contains(new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(range.Contains(new DateTimeOffset(2026, 4, 30, 23, 59, 59, 999, TimeSpan.Zero)));
    }

    [Fact]
    public void Rule_10_2_files_are_prefiltered_by_their_name_date_through_the_day_of_end_minus_1_ms()
    {
        var range = new ExportRange("r", "r", new DateTimeOffset(2026, 5, 2, 18, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 5, 4, 0, 0, 0, TimeSpan.Zero));

        Assert.False(range.IncludesFileDate(new DateOnly(2026, 5, 1)));
        Assert.True(range.IncludesFileDate(new DateOnly(2026, 5, 2)));
        Assert.True(range.IncludesFileDate(new DateOnly(2026, 5, 3)));
        Assert.False(range.IncludesFileDate(new DateOnly(2026, 5, 4)));
        Assert.True(ExportRange.AllTime(Now).IncludesFileDate(DateOnly.MinValue));
    }

    [Fact]
    public void Cli_bounds_are_whole_utc_days()
    {
        var byDate = ExportRangeParser.TryParse("2026-05-01", "2026-05-02", Now, out _)!;
        var sameDay = ExportRangeParser.TryParse("2026-05-02", "2026-05-02", Now, out _)!;
        var openEnd = ExportRangeParser.TryParse("2026-05-01", null, Now, out _)!;

        Assert.Equal((new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 5, 3, 0, 0, 0, TimeSpan.Zero)), (byDate.Start!.Value, byDate.End!.Value));
        Assert.Equal((new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 5, 3, 0, 0, 0, TimeSpan.Zero)), (sameDay.Start!.Value, sameDay.End!.Value));
        Assert.Null(openEnd.End);
        Assert.Equal(ExportRange.AllTime(Now), ExportRangeParser.TryParse(null, null, Now, out _));
    }

    [Theory]
    [InlineData("2026-02-30", null, "--since: '2026-02-30': Enter a valid calendar date.")]
    [InlineData("soon", null, "--since: 'soon': Use YYYY-MM-DD.")]
    [InlineData("24h", null, "--since: '24h': Use YYYY-MM-DD.")]
    [InlineData("7d", null, "--since: '7d': Use YYYY-MM-DD.")]
    [InlineData(null, "2026-05-04T10:00:00Z", "--until: '2026-05-04T10:00:00Z': Use YYYY-MM-DD.")]
    [InlineData("", null, "--since: '': Use YYYY-MM-DD.")]
    [InlineData("2026-05-03", "2026-05-01", "End date must be on or after start date.")]
    // One day apart: with --until covering its whole day the instants would overlap; the days do not.
    [InlineData("2026-05-02", "2026-05-01", "End date must be on or after start date.")]
    public void Cli_bounds_report_what_is_wrong(string? since, string? until, string message)
    {
        Assert.Null(ExportRangeParser.TryParse(since, until, Now, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData(0, 0, "No telemetry events found for All time.")]
    [InlineData(1, 0, "Exported 1 telemetry event to out.json.")]
    [InlineData(3, 0, "Exported 3 telemetry events to out.json.")]
    [InlineData(3, 2, "Exported 3 telemetry events to out.json. 2 file(s) could not be read.")]
    public void Rule_10_4_the_outcome_line_counts_events_and_unreadable_files(int events, int skipped, string expected)
    {
        var result = new TelemetryExportResult(events, skipped, 4, false, []);

        Assert.Equal(expected, result.Describe(ExportRange.AllTime(Now), "out.json"));
    }
}
