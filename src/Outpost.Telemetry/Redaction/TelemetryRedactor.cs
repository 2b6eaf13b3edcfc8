using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Outpost.Telemetry.Redaction;

/// <summary>
/// Keeps credentials out of telemetry (issue 3, item 5; issue 14 point 2). Applied by the framework
/// to every string property and every error message, so instrumentation cannot forget it. It removes
/// what is a secret — values of secret-named keys, <c>Bearer</c>/<c>Basic</c>/<c>token</c>
/// credentials, token-shaped strings (this project's <c>&lt;id&gt;-&lt;secret&gt;</c>, JWTs, well-known
/// key prefixes, random-looking runs), URL userinfo and secret query parameters — and leaves prose
/// ("No refresh token available") and names (<c>DevBox2024Production01</c>) readable.
/// </summary>
public static partial class TelemetryRedactor
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
        result = SecretQueryParameter().Replace(result, "$1" + Redacted);
        result = AuthScheme().Replace(result, static match => IsPlainWord(match.Groups[2].ValueSpan) ? match.Value : match.Groups[1].Value + " " + Redacted);
        result = SecretAssignment().Replace(result, "$1$2" + Redacted);
        result = OpaqueToken().Replace(result, Redacted);
        result = KnownTokenShape().Replace(result, Redacted);
        result = HighEntropyRun().Replace(result, static match => LooksRandom(match.ValueSpan) ? Redacted : match.Value);
        return result;
    }

    /// <summary>
    /// A word of prose after "token"/"basic"/"bearer" ("token available", "Basic authentication"):
    /// letters only, all lower case or capitalised. A credential has digits, symbols or mixed case.
    /// </summary>
    private static bool IsPlainWord(ReadOnlySpan<char> word)
    {
        if (!char.IsAsciiLetter(word[0]))
        {
            return false;
        }

        foreach (var c in word[1..])
        {
            if (!char.IsAsciiLetterLower(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A run that mixes upper case, lower case and digits and changes character class so often that
    /// its pieces are not words reads as generated (session tokens, API keys): random base62 changes
    /// class about every 1.6 characters, names such as <c>DevBox2024Production01</c> (pieces Dev, Box,
    /// 2024, Production, 01) every four or more.
    /// </summary>
    private static bool LooksRandom(ReadOnlySpan<char> run)
    {
        bool upper = false, lower = false, digit = false;
        var pieces = 0;
        var previous = CharClass.None;
        foreach (var c in run)
        {
            var current = char.IsAsciiLetterUpper(c) ? CharClass.Upper : char.IsAsciiLetterLower(c) ? CharClass.Lower : char.IsAsciiDigit(c) ? CharClass.Digit : CharClass.Other;
            upper |= current == CharClass.Upper;
            lower |= current == CharClass.Lower;
            digit |= current == CharClass.Digit;

            // A capital that starts a lower-case word (camelCase "Box") continues into it.
            if (current != previous && !(previous == CharClass.Upper && current == CharClass.Lower))
            {
                pieces++;
            }

            previous = current;
        }

        return upper && lower && digit && pieces * 3 > run.Length;
    }

    private enum CharClass
    {
        None,
        Upper,
        Lower,
        Digit,
        Other,
    }

    private sealed record KeyVerdict(string Key, bool Sensitive);

    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s@]+@")]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?i)\b(bearer|basic|token)\s+([A-Za-z0-9._~+/=\-]{6,})")]
    private static partial Regex AuthScheme();

    // The query parameter's name says it is a secret: ?access_token=…, &sig=…, &password=….
    [GeneratedRegex(@"(?i)([?&](?:[a-z0-9_\-.]*(?:token|password|passwd|secret|api[_\-.]?key|credential)[a-z0-9_\-.]*|sig|signature|code|auth|key|x-amz-signature|x-amz-credential)=)[^&\s#""']+")]
    private static partial Regex SecretQueryParameter();

    // This project's own opaque tokens (Outpost.Server.Identity.Tokens.OpaqueToken): <id>-<secret>,
    // a 10-character lower-case id and a 32-character secret.
    [GeneratedRegex(@"\b[a-z0-9]{10}-[A-Za-z0-9]{32}\b")]
    private static partial Regex OpaqueToken();

    [GeneratedRegex(@"(?i)\b([a-z0-9_\-.]*(?:token|password|passwd|pwd|secret|api[_\-.]?key|authorization|cookie|credential)[a-z0-9_\-.]*)(""?'?\s*[:=]\s*""?'?)([^\s""'&,;]+)")]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*|\bgh[pousr]_[A-Za-z0-9]{20,}|\bAKIA[0-9A-Z]{16}\b|\bxox[abprs]-[A-Za-z0-9\-]{10,}|\bsk-[A-Za-z0-9_\-]{20,}")]
    private static partial Regex KnownTokenShape();

    [GeneratedRegex(@"[A-Za-z0-9_+/]{20,}={0,2}")]
    private static partial Regex HighEntropyRun();
}
