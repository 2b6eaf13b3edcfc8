using System.Globalization;

namespace Outpost.Telemetry.Export;

/// <summary>
/// Turns <c>--since</c>/<c>--until</c> into a range. Each bound is a UTC date (<c>YYYY-MM-DD</c>),
/// an ISO-8601 instant, or an age such as <c>30m</c>, <c>24h</c>, <c>7d</c> counted back from now.
/// A date given to <c>--until</c> includes that whole day, like the custom range of spec §10.2.
/// </summary>
internal static class ExportRangeParser
{
    public static ExportRange? TryParse(string? since, string? until, DateTimeOffset now, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(since) && string.IsNullOrWhiteSpace(until))
        {
            return ExportRange.AllTime(now);
        }

        DateTimeOffset? start = null;
        DateTimeOffset? end = null;
        if (!string.IsNullOrWhiteSpace(since))
        {
            start = ParseBound(since.Trim(), now, isEnd: false, out error);
            if (start is null)
            {
                error = $"--since: {error}";
                return null;
            }
        }

        if (!string.IsNullOrWhiteSpace(until))
        {
            end = ParseBound(until.Trim(), now, isEnd: true, out error);
            if (end is null)
            {
                error = $"--until: {error}";
                return null;
            }
        }

        if (start is { } s && end is { } e && e < s)
        {
            error = ExportRange.OrderError;
            return null;
        }

        var label = $"{Describe(start, "the beginning")} to {Describe(end, "now")}";
        var part = $"{(start is { } a ? Stamp(a) : "start")}-to-{(end is { } b ? Stamp(b) : "now")}";
        return new ExportRange(label, part, start, end);
    }

    private static DateTimeOffset? ParseBound(string text, DateTimeOffset now, bool isEnd, out string? error)
    {
        error = null;
        if (TryParseAge(text, out var age))
        {
            return now - age;
        }

        if (text.Length == 10)
        {
            error = ExportRange.ValidateDate(text, out var date);
            if (error is not null)
            {
                return null;
            }

            var day = isEnd ? date.AddDays(1) : date;
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        error = $"'{text}' is not a date (YYYY-MM-DD), an ISO-8601 time or an age like 24h or 7d.";
        return null;
    }

    private static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        TimeSpan? unit = text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is null || amount > 100_000)
        {
            return false;
        }

        age = unit.Value * amount;
        return true;
    }

    private static string Describe(DateTimeOffset? bound, string open) =>
        bound is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : open;

    private static string Stamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}
