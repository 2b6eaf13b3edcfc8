using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Outpost.Telemetry.Local;

/// <summary>A parsed telemetry file name: <c>telemetry-YYYY-MM-DD-&lt;session&gt;[.N].jsonl</c> (spec §4.1).</summary>
internal sealed partial record TelemetryFileName(DateOnly Date, string Session, int Part)
{
    public const string AnonymousSlug = "anon0000";

    public string FileName => Format(Date, Session, Part);

    public static string Format(DateOnly date, string session, int part)
    {
        var day = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return part > 0
            ? $"telemetry-{day}-{session}.{part.ToString(CultureInfo.InvariantCulture)}.jsonl"
            : $"telemetry-{day}-{session}.jsonl";
    }

    public static bool TryParse(string fileName, out TelemetryFileName parsed)
    {
        parsed = null!;
        var match = Pattern().Match(fileName);
        if (!match.Success
            || !DateOnly.TryParseExact(match.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }

        var part = 0;
        if (match.Groups[3].Success && !int.TryParse(match.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out part))
        {
            return false;
        }

        parsed = new TelemetryFileName(date, match.Groups[2].Value, part);
        return true;
    }

    /// <summary>The session id with non-alphanumerics removed, cut to 8 characters.</summary>
    public static string Slug(string sessionId)
    {
        var builder = new StringBuilder(8);
        foreach (var c in sessionId ?? "")
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(c);
                if (builder.Length == 8)
                {
                    break;
                }
            }
        }

        return builder.Length == 0 ? AnonymousSlug : builder.ToString();
    }

    [GeneratedRegex(@"^telemetry-(\d{4}-\d{2}-\d{2})-([^.]+)(?:\.(\d+))?\.jsonl$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
