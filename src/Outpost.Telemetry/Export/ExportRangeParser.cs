using System.Globalization;

namespace Outpost.Telemetry.Export;

/// <summary>
/// Turns <c>--since</c>/<c>--until</c> into a range. Each bound is a UTC date, <c>YYYY-MM-DD</c>, and
/// nothing else; <c>--until</c> includes that whole day, like the custom range of spec §10.2. An end
/// day before the start day is an error whatever the gap.
/// </summary>
public static class ExportRangeParser
{
    public static ExportRange? TryParse(string? since, string? until, DateTimeOffset now, out string? error)
    {
        error = null;
        if (since is null && until is null)
        {
            return ExportRange.AllTime(now);
        }

        DateOnly? start = null;
        DateOnly? end = null;
        if (since is not null)
        {
            error = ExportRange.ValidateDate(since, out var day);
            if (error is not null)
            {
                error = $"--since: '{since}': {error}";
                return null;
            }

            start = day;
        }

        if (until is not null)
        {
            error = ExportRange.ValidateDate(until, out var day);
            if (error is not null)
            {
                error = $"--until: '{until}': {error}";
                return null;
            }

            end = day;
        }

        if (start is { } s && end is { } e && e < s)
        {
            error = ExportRange.OrderError;
            return null;
        }

        var from = start is { } a ? Midnight(a) : (DateTimeOffset?)null;
        var to = end is { } b ? Midnight(b.AddDays(1)) : (DateTimeOffset?)null;
        var label = $"{(start is { } c ? Day(c) : "the beginning")} to {(end is { } d ? Day(d) : "now")}";
        var part = $"{(start is { } f ? Day(f) : "start")}-to-{(end is { } g ? Day(g) : "now")}";
        return new ExportRange(label, part, from, to);
    }

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
