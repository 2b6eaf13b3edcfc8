namespace Outpost.Server.Validation;

/// <summary>
/// What text PostgreSQL can store and a person can read safely: no NUL anywhere (a <c>text</c>
/// column cannot hold it), and in names no control characters and no bidirectional overrides,
/// which make a name display as something it is not.
/// </summary>
internal static class TextRules
{
    public static bool HasNul(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal);

    /// <summary>Null when <paramref name="value"/> is a usable name; otherwise what is wrong with it.</summary>
    public static string? CheckName(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters (it has {value.Length})";
        }

        var bad = value.FirstOrDefault(c => char.IsControl(c) || IsBidiControl(c));
        return bad == default ? null : $"must not contain control or bidirectional-override characters (found U+{(int)bad:X4})";
    }

    /// <summary>Null when <paramref name="value"/> is a usable description (line breaks and tabs allowed).</summary>
    public static string? CheckDescription(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters (it has {value.Length})";
        }

        var bad = value.FirstOrDefault(c => (char.IsControl(c) && c is not '\n' and not '\r' and not '\t') || IsBidiControl(c));
        return bad == default ? null : $"must not contain control or bidirectional-override characters other than line breaks and tabs (found U+{(int)bad:X4})";
    }

    // LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM, ALM: the characters of "Trojan Source".
    private static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';
}
