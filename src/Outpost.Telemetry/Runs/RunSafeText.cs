namespace Outpost.Telemetry.Runs;

/// <summary>
/// The sanitizers of run observability (run-observability-spec §6.2, §6.3, §6.5): pure functions that turn
/// whatever a caller hands over into low-cardinality tokens, so nothing but safe labels reaches a summary.
/// </summary>
public static class RunSafeText
{
    /// <summary>The longest token kept (§6.2, §6.3, §6.5).</summary>
    public const int MaxTokenLength = 80;

    /// <summary>What an unusable tool name becomes (§6.3 steps 1–2).</summary>
    public const string UnknownToolName = "unknown";

    /// <summary>What a tool name or marker that looks like a secret, a path or a URL becomes (§6.3 step 3, §6.5).</summary>
    public const string Redacted = "redacted";

    // §11.8: §6.3's tool-name list lacks "password", §6.5's marker list has it. Outpost uses the longer
    // list for both (conservative: a tool named after a password is redacted too; docs/tasks.md).
    private static readonly string[] SecretWords = ["token", "secret", "bearer", "sk-", "cookie", "password"];

    /// <summary>
    /// §6.2's low-cardinality test for names and codes: trimmed, non-empty, at most 80 characters of
    /// ASCII letters, digits, <c>_ . : -</c>. Anything else is dropped (null).
    /// </summary>
    /// <param name="value">The candidate.</param>
    /// <returns>The trimmed value, or null.</returns>
    public static string? LowCardinality(string? value)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxTokenLength)
        {
            return null;
        }

        return trimmed.All(IsTokenChar) ? trimmed : null;
    }

    /// <summary>
    /// §6.2's message bucket: the first match of a fixed list (<c>terminated</c>, <c>aborted</c>,
    /// <c>other side closed</c>, <c>tool execution aborted</c>, <c>socket closed</c>, <c>timeout</c>,
    /// <c>rate_limit</c>, <c>auth_failure</c>), otherwise <c>redacted</c>; null for an empty message.
    /// </summary>
    /// <param name="message">The raw message; it is read, never kept.</param>
    /// <returns>The bucket, or null.</returns>
    public static string? MessageBucket(string? message)
    {
        var m = message?.Trim().ToLowerInvariant();
        return m switch
        {
            null or "" => null,
            "terminated" => "terminated",
            "aborted" => "aborted",
            "other side closed" => "other side closed",
            _ when m.Contains("tool execution aborted", StringComparison.Ordinal) => "tool execution aborted",
            _ when m.Contains("socket", StringComparison.Ordinal) && m.Contains("closed", StringComparison.Ordinal) => "socket closed",
            _ when m.Contains("timeout", StringComparison.Ordinal) || m.Contains("timed out", StringComparison.Ordinal) => "timeout",
            _ when m.Contains("rate limit", StringComparison.Ordinal) => "rate_limit",
            _ when m.Contains("unauthorized", StringComparison.Ordinal) || m.Contains("forbidden", StringComparison.Ordinal) => "auth_failure",
            _ => Redacted,
        };
    }

    /// <summary>
    /// §6.3's safe tool name: trimmed and cut to 80 characters (<c>unknown</c> when empty), <c>redacted</c> when it
    /// holds a URL, a path character or a secret-looking word, otherwise every character outside
    /// <c>[A-Za-z0-9_.:-]</c> becomes <c>_</c>.
    /// </summary>
    /// <param name="name">The raw tool name (null becomes <c>unknown</c>).</param>
    /// <returns>The safe name.</returns>
    public static string ToolName(string? name)
    {
        var cut = Cut(name);
        if (cut.Length == 0)
        {
            return UnknownToolName;
        }

        if (LooksLikePathOrUrl(cut) || cut.Contains('?', StringComparison.Ordinal) || ContainsAny(cut, SecretWords))
        {
            return Redacted;
        }

        return Replace(cut);
    }

    /// <summary>
    /// §6.5's redaction marker (also used for the safe lifecycle labels <c>source</c> and <c>reason</c>): trimmed and cut
    /// to 80 characters; <c>redacted</c> when empty, a path or URL, or secret-looking; otherwise characters outside
    /// <c>[A-Za-z0-9_.:-]</c> become <c>_</c>.
    /// </summary>
    /// <param name="marker">The raw marker.</param>
    /// <returns>The safe marker.</returns>
    public static string Marker(string? marker)
    {
        var cut = Cut(marker);
        if (cut.Length == 0 || LooksLikePathOrUrl(cut) || ContainsAny(cut, SecretWords))
        {
            return Redacted;
        }

        var replaced = Replace(cut);
        return replaced.Length == 0 ? Redacted : replaced;
    }

    /// <summary>
    /// A label Outpost itself chose (an id, a provider or model name): trimmed, cut to 80 characters, characters outside
    /// <c>[A-Za-z0-9_.:-]</c> become <c>_</c>; <c>unknown</c> when empty. No secret-word test: <c>task-1</c> holds "sk-".
    /// </summary>
    /// <param name="label">The label.</param>
    /// <returns>The safe label.</returns>
    public static string Label(string? label)
    {
        var cut = Cut(label);
        return cut.Length == 0 ? UnknownToolName : Replace(cut);
    }

    /// <summary>Whether <paramref name="value"/> is one of §6.2's message buckets.</summary>
    internal static bool IsBucket(string value) => value is "terminated" or "aborted" or "other side closed" or "tool execution aborted"
        or "socket closed" or "timeout" or "rate_limit" or "auth_failure" or Redacted;

    /// <summary>True for the characters a token may hold.</summary>
    internal static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-';

    private static string Cut(string? value)
    {
        var trimmed = value?.Trim() ?? "";
        return trimmed.Length > MaxTokenLength ? trimmed[..MaxTokenLength] : trimmed;
    }

    private static bool LooksLikePathOrUrl(string value) =>
        value.Contains('/', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal) ||
        value.Contains("http://", StringComparison.OrdinalIgnoreCase) || value.Contains("https://", StringComparison.OrdinalIgnoreCase);

    private static bool ContainsAny(string value, string[] words) =>
        words.Any(word => value.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static string Replace(string value) =>
        string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsTokenChar(source[i]) ? source[i] : '_';
            }
        });
}
