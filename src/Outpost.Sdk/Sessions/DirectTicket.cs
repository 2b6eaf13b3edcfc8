using System.Text.Json;
using NSec.Cryptography;

namespace Outpost.Sdk.Sessions;

/// <summary>
/// What a direct-connection ticket grants: one session of <see cref="Kind"/> by <see cref="UserId"/> on the agent
/// <see cref="AgentId"/>, until <see cref="ExpiresAt"/>. The server signs it with its Ed25519 key; the agent verifies it
/// with the public key from its manifest and accepts each <see cref="Id"/> once.
/// </summary>
public sealed record DirectTicket
{
    /// <summary>Random; the agent refuses a ticket whose id it has seen (a replay).</summary>
    public required Guid Id { get; init; }

    /// <summary>Who may open the session.</summary>
    public required Guid UserId { get; init; }

    /// <summary>The only agent that accepts it.</summary>
    public required Guid AgentId { get; init; }

    /// <summary>The only session kind it opens.</summary>
    public required SessionKind Kind { get; init; }

    /// <summary>Unix seconds after which it is refused.</summary>
    public required long ExpiresAt { get; init; }

    /// <summary>The header the client sends the ticket in when it dials the agent.</summary>
    public const string Header = "Outpost-Direct-Ticket";

    /// <summary>The path of the agent's direct WebSocket.</summary>
    public const string AgentPath = "/outpost/direct";

    /// <summary>How long a ticket is valid: the client uses it at once.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>The ticket as sent: base64url(JSON) "." base64url(Ed25519 signature of the JSON).</summary>
    public string Sign(Key key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var payload = JsonSerializer.SerializeToUtf8Bytes(this, SessionJsonContext.Default.DirectTicket);
        return $"{Base64Url(payload)}.{Base64Url(SignatureAlgorithm.Ed25519.Sign(key, payload))}";
    }

    /// <summary>The ticket in <paramref name="text"/> when <paramref name="publicKey"/> signed it; else why not.</summary>
    public static (DirectTicket? Ticket, string? Problem) Read(string? text, PublicKey publicKey)
    {
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || dot < 1)
        {
            return (null, "not a ticket");
        }

        byte[] payload;
        byte[] signature;
        try
        {
            payload = System.Buffers.Text.Base64Url.DecodeFromChars(text.AsSpan(0, dot));
            signature = System.Buffers.Text.Base64Url.DecodeFromChars(text.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return (null, "not a ticket");
        }

        if (!SignatureAlgorithm.Ed25519.Verify(publicKey, payload, signature))
        {
            return (null, "the signature is not the server's");
        }

        try
        {
            return JsonSerializer.Deserialize(payload, SessionJsonContext.Default.DirectTicket) is { } ticket ? (ticket, null) : (null, "not a ticket");
        }
        catch (JsonException)
        {
            return (null, "not a ticket");
        }
    }

    /// <summary>A public key from its raw 32 bytes in base64 (as the manifest carries it); null when it is not one.</summary>
    public static PublicKey? PublicKeyFrom(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        try
        {
            return PublicKey.TryImport(SignatureAlgorithm.Ed25519, Convert.FromBase64String(base64), KeyBlobFormat.RawPublicKey, out var key) ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}

/// <summary>The body of a request for a direct ticket: the kind of session it is for.</summary>
public sealed record DirectTicketRequest
{
    /// <summary>The session kind.</summary>
    public required SessionKind Kind { get; init; }
}

/// <summary>The server's answer: where the agent listens and the signed ticket that it accepts once.</summary>
public sealed record DirectTicketGrant
{
    /// <summary>The agent's direct address, <c>HOST:PORT</c>.</summary>
    public required string Address { get; init; }

    /// <summary>The signed ticket, for the <see cref="DirectTicket.Header"/> header.</summary>
    public required string Ticket { get; init; }

    /// <summary>When it stops being accepted.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>
/// The agent's side: accepts a ticket only when the server signed it, for this agent, before it expired, and never
/// twice; the session it opens must be of the ticket's kind.
/// </summary>
public sealed class DirectTicketVerifier(PublicKey publicKey, Guid agentId, TimeProvider time)
{
    private readonly Dictionary<Guid, long> _seen = [];
    private readonly Lock _gate = new();

    /// <summary>The ticket in <paramref name="text"/> when it may open a session now (it is then spent); else why not.</summary>
    public (DirectTicket? Ticket, string? Problem) Accept(string? text)
    {
        var (ticket, problem) = DirectTicket.Read(text, publicKey);
        if (ticket is null)
        {
            return (null, problem);
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        lock (_gate)
        {
            foreach (var expired in _seen.Where(p => p.Value < now).Select(p => p.Key).ToList())
            {
                _seen.Remove(expired);
            }

            return ticket.AgentId != agentId ? (null, "the ticket is for another agent")
                : ticket.ExpiresAt < now ? (null, "the ticket expired")
                : !_seen.TryAdd(ticket.Id, ticket.ExpiresAt) ? (null, "the ticket was used already")
                : (ticket, null);
        }
    }
}

/// <summary>
/// A direct session as its agent reports it when it ended (<c>POST /api/v2/workspaceagents/me/direct-sessions</c>), for
/// the connection log: the server saw no bytes of it, so the agent says what passed.
/// </summary>
public sealed record DirectSessionReport
{
    /// <summary>The ticket's id, which becomes the row's id (a ticket opens one session).</summary>
    public required Guid Id { get; init; }

    /// <summary>The session's kind.</summary>
    public required SessionKind Kind { get; init; }

    /// <summary>What the header said the connection log should call it (<c>ssh</c> for <c>outpost ssh</c>).</summary>
    public Agents.ConnectionType? ConnectionType { get; init; }

    /// <summary>The ticket's user.</summary>
    public required Guid UserId { get; init; }

    /// <summary>The client's address as the agent saw it.</summary>
    public required string ClientAddress { get; init; }

    /// <summary>When the session was accepted.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>Payload bytes from the client.</summary>
    public long BytesToAgent { get; init; }

    /// <summary>Payload bytes to the client.</summary>
    public long BytesToClient { get; init; }

    /// <summary>The seed-001 fields of its end.</summary>
    public required string DisconnectReason { get; init; }

    /// <summary>Who ended it.</summary>
    public required string DisconnectInitiator { get; init; }

    /// <summary>How it ended, in words.</summary>
    public required string DisconnectDetail { get; init; }

    /// <summary>The W3C trace id of the client's <c>traceparent</c> on the upgrade (32 lowercase hex characters), when it sent one.</summary>
    public string? TraceId { get; init; }

    /// <summary>The route an agent reports to.</summary>
    public const string Path = "direct-sessions";
}
