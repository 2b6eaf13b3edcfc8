using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Outpost.Telemetry.Redaction;

/// <summary>
/// Keeps credentials out of telemetry (issue 3, item 5). Applied by the framework to every
/// string property and every error message, so instrumentation cannot forget it. Errs on the side
/// of removing too much: a lost label costs less than a leaked token.
/// </summary>
internal static partial class TelemetryRedactor
{
    public const string Redacted = "[REDACTED]";

    // Shorter values without any of these characters cannot hold a URL credential, a key=value
    // pair or a token long enough to match, so they skip the regular expressions entirely.
    private static readonly SearchValues<char> Structural = SearchValues.Create(":=@ ");

    private const int ShortValueLength = 20;

    private const int KeyCacheSize = 128;

    private static readonly KeyVerdict?[] KeyCache = new KeyVerdict?[KeyCacheSize];

    // Runs on every property key, so a vectorised substring search rather than a regex.
    private static readonly SearchValues<string> SensitiveKeyParts = SearchValues.Create(
        [
            "token", "password", "passwd", "pwd", "secret", "authorization", "cookie", "credential",
            "apikey", "api_key", "api-key", "api.key", "privatekey", "private_key", "private-key", "private.key",
        ],
        StringComparison.OrdinalIgnoreCase);

    /// <summary>Redacts a property value; a key that names a secret hides the whole value.</summary>
    public static string RedactProperty(string key, string value)
    {
        if (value.Length > 0 && IsSensitiveKey(key))
        {
            return Redacted;
        }

        return RedactText(value);
    }

    /// <summary>
    /// Keys are nearly always string literals, so the verdict is remembered per string instance
    /// in a small direct-mapped table; a miss (or a collision) just scans again.
    /// </summary>
    public static bool IsSensitiveKey(string key)
    {
        var slot = RuntimeHelpers.GetHashCode(key) & (KeyCacheSize - 1);
        var cached = KeyCache[slot];
        if (cached is not null && ReferenceEquals(cached.Key, key))
        {
            return cached.Sensitive;
        }

        var sensitive = key.AsSpan().ContainsAny(SensitiveKeyParts);
        KeyCache[slot] = new KeyVerdict(key, sensitive);
        return sensitive;
    }

    /// <summary>Replaces every credential-shaped part of free text and leaves the rest readable.</summary>
    public static string RedactText(string text)
    {
        if (text.Length < ShortValueLength && text.AsSpan().IndexOfAny(Structural) < 0)
        {
            return text;
        }

        var result = UrlUserInfo().Replace(text, "$1" + Redacted + "@");
        result = AuthScheme().Replace(result, "$1 " + Redacted);
        result = SecretAssignment().Replace(result, "$1$2" + Redacted);
        result = KnownTokenShape().Replace(result, Redacted);
        result = HighEntropyRun().Replace(result, static match => LooksRandom(match.ValueSpan) ? Redacted : match.Value);
        return result;
    }

    // A run of token characters that mixes upper case, lower case and digits reads as a generated
    // secret (session tokens, API keys); words and lowercase hex ids do not.
    private static bool LooksRandom(ReadOnlySpan<char> run)
    {
        bool upper = false, lower = false, digit = false;
        foreach (var c in run)
        {
            upper |= char.IsAsciiLetterUpper(c);
            lower |= char.IsAsciiLetterLower(c);
            digit |= char.IsAsciiDigit(c);
        }

        return upper && lower && digit;
    }

    private sealed record KeyVerdict(string Key, bool Sensitive);

    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s@]+@")]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{6,}")]
    private static partial Regex AuthScheme();

    [GeneratedRegex(@"(?i)\b([a-z0-9_\-.]*(?:token|password|passwd|pwd|secret|api[_\-.]?key|authorization|cookie|credential)[a-z0-9_\-.]*)(""?'?\s*[:=]\s*""?'?)([^\s""'&,;]+)")]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*|\bgh[pousr]_[A-Za-z0-9]{20,}|\bAKIA[0-9A-Z]{16}\b|\bxox[abprs]-[A-Za-z0-9\-]{10,}|\bsk-[A-Za-z0-9_\-]{20,}")]
    private static partial Regex KnownTokenShape();

    [GeneratedRegex(@"[A-Za-z0-9_+/]{20,}={0,2}")]
    private static partial Regex HighEntropyRun();
}
