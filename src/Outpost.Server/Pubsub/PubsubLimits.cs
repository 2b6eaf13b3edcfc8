using System.Text;

namespace Outpost.Server.Pubsub;

/// <summary>
/// PostgreSQL's limits on channel names and payloads, checked before anything reaches the database.
/// Breaking them is a programming error (callers publish ids, not documents), so it throws.
/// </summary>
internal static class PubsubLimits
{
    /// <summary>A channel is an identifier: NAMEDATALEN - 1 bytes. A longer LISTEN name would be truncated silently.</summary>
    public const int MaxChannelBytes = 63;

    /// <summary>NOTIFY rejects payloads of 8000 bytes or more (BLCKSZ - NAMEDATALEN - 128).</summary>
    public const int MaxPayloadBytes = 7999;

    /// <summary>
    /// Accepts 1 to 63 ASCII letters, digits and <c>_ - : .</c>, which covers every channel the specs
    /// use (<c>workspace_updates:all</c>, <c>workspace_owner:&lt;uuid&gt;</c>, <c>prebuild_claimed_&lt;uuid&gt;</c>).
    /// Names are case-sensitive: LISTEN uses the quoted form and pg_notify takes the text as is.
    /// </summary>
    public static void ValidateChannel(string channel, string? parameterName = "channel")
    {
        ArgumentNullException.ThrowIfNull(channel, parameterName);
        if (channel.Length is 0 or > MaxChannelBytes)
        {
            throw new ArgumentException(
                $"A pubsub channel name must be 1 to {MaxChannelBytes} characters long; got {channel.Length}.", parameterName);
        }

        foreach (var c in channel)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or ':' or '.'))
            {
                throw new ArgumentException(
                    $"The pubsub channel name '{channel}' contains '{c}'; only ASCII letters, digits, '_', '-', ':' and '.' are allowed.", parameterName);
            }
        }
    }

    public static void ValidatePayload(string payload, string? parameterName = "payload")
    {
        ArgumentNullException.ThrowIfNull(payload, parameterName);
        if (payload.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A pubsub payload cannot contain NUL characters.", parameterName);
        }

        var bytes = Encoding.UTF8.GetByteCount(payload);
        if (bytes > MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"A pubsub payload is limited to {MaxPayloadBytes} bytes of UTF-8 by PostgreSQL NOTIFY; got {bytes}. Publish an id and let subscribers read the row.",
                parameterName);
        }
    }

    /// <summary>The channel as a quoted identifier for LISTEN/UNLISTEN, which take no parameters.</summary>
    public static string Quote(string channel) => "\"" + channel.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
