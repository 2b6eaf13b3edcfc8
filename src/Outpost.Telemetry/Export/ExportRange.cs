using System.Globalization;

namespace Outpost.Telemetry.Export;

/// <summary>
/// A half-open UTC window [Start, End) with a label for people and a part for file names
/// (spec §10.2). Either bound may be absent.
/// </summary>
public sealed record ExportRange(string Label, string FilenamePart, DateTimeOffset? Start, DateTimeOffset? End)
{
    public const string DateFormatError = "Use YYYY-MM-DD.";
    public const string CalendarDateError = "Enter a valid calendar date.";
    public const string OrderError = "End date must be on or after start date.";

    public static ExportRange Last24Hours(DateTimeOffset now) => Preset("Last 24 hours", "last-24-hours", now, TimeSpan.FromDays(1));

    public static ExportRange Last7Days(DateTimeOffset now) => Preset("Last 7 days", "last-7-days", now, TimeSpan.FromDays(7));

    public static ExportRange Last30Days(DateTimeOffset now) => Preset("Last 30 days", "last-30-days", now, TimeSpan.FromDays(30));

    public static ExportRange AllTime(DateTimeOffset now) => new("All time", "all-time-" + Day(now), null, null);

    /// <summary>Whole UTC days from <paramref name="start"/> through <paramref name="end"/>.</summary>
    public static ExportRange Custom(DateOnly start, DateOnly end)
    {
        if (end < start)
        {
            throw new ArgumentException(OrderError, nameof(end));
        }

        var s = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var e = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new ExportRange($"{s} to {e}", $"{s}-to-{e}", Midnight(start), Midnight(end.AddDays(1)));
    }

    /// <summary>Validates a date the way the custom-range prompt does; null when valid.</summary>
    public static string? ValidateDate(string text, out DateOnly date)
    {
        date = default;
        if (text.Length != 10 || text[4] != '-' || text[7] != '-' || !text.Where((c, i) => i is not (4 or 7)).All(char.IsAsciiDigit))
        {
            return DateFormatError;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
            ? null
            : CalendarDateError;
    }

    public bool Contains(DateTimeOffset timestamp) =>
        (Start is null || timestamp >= Start) && (End is null || timestamp < End);

    /// <summary>The file-name date pre-filter: keeps files dated from Start's day to the day of End − 1 ms.</summary>
    public bool IncludesFileDate(DateOnly fileDate)
    {
        if (Start is { } start && fileDate < DateOnly.FromDateTime(start.UtcDateTime))
        {
            return false;
        }

        return End is not { } end || fileDate <= DateOnly.FromDateTime(end.AddMilliseconds(-1).UtcDateTime);
    }

    private static ExportRange Preset(string label, string part, DateTimeOffset now, TimeSpan length) =>
        new(label, $"{part}-{Day(now)}", now - length, now);

    private static string Day(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
