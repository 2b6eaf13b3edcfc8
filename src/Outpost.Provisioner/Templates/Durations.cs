using System.Globalization;
using System.Text.RegularExpressions;

namespace Outpost.Provisioner.Templates;

/// <summary>Script timeouts as authors write them: <c>30s</c>, <c>5m</c>, <c>1h30m</c>, or bare seconds as Coder takes them.</summary>
internal static partial class Durations
{
    public static readonly TimeSpan Maximum = TimeSpan.FromHours(24);

    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);

        duration = TimeSpan.Zero;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return duration <= Maximum;
        }

        var match = Pattern().Match(text);
        if (!match.Success || text.Length == 0)
        {
            return false;
        }

        foreach (var (group, unit) in new[] { ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)) })
        {
            if (match.Groups[group].Success
                && int.TryParse(match.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                duration += unit * count;
                if (duration > Maximum)
                {
                    return false;
                }
            }
            else if (match.Groups[group].Success)
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"^(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
