using NSec.Cryptography;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

/// <summary>The agent accepts a direct ticket once, only when the server's key signed it for this agent and it has not expired.</summary>
public sealed class DirectTicketTests
{
    private static readonly Guid Agent = Guid.NewGuid();

    [Fact]
    public void A_ticket_opens_one_session_and_is_refused_when_replayed()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var verifier = new DirectTicketVerifier(key.PublicKey, Agent, clock);
        var text = Ticket(clock, Agent).Sign(key);

        var (ticket, problem) = verifier.Accept(text);
        Assert.Null(problem);
        Assert.Equal((Agent, SessionKind.Ssh), (ticket!.AgentId, ticket.Kind));
        Assert.Equal("the ticket was used already", verifier.Accept(text).Problem);
    }

    [Fact]
    public void Expired_foreign_forged_and_garbled_tickets_are_refused_saying_why()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        using var stranger = Key.Create(SignatureAlgorithm.Ed25519);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var verifier = new DirectTicketVerifier(key.PublicKey, Agent, clock);

        var expiring = Ticket(clock, Agent).Sign(key);
        clock.Advance(DirectTicket.Lifetime + TimeSpan.FromSeconds(2));
        Assert.Equal("the ticket expired", verifier.Accept(expiring).Problem);
        Assert.Equal("the ticket is for another agent", verifier.Accept(Ticket(clock, Guid.NewGuid()).Sign(key)).Problem);
        Assert.Equal("the signature is not the server's", verifier.Accept(Ticket(clock, Agent).Sign(stranger)).Problem);

        var valid = Ticket(clock, Agent).Sign(key);
        var tampered = Ticket(clock, Agent) with { Kind = SessionKind.Exec };
        var forged = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(tampered, SessionJsonContext.Default.DirectTicket))
            + valid[valid.IndexOf('.', StringComparison.Ordinal)..];
        Assert.Equal("the signature is not the server's", verifier.Accept(forged).Problem);
        Assert.Equal("not a ticket", verifier.Accept("garbage").Problem);
        Assert.Equal("not a ticket", verifier.Accept(null).Problem);
        Assert.Null(verifier.Accept(valid).Problem);
    }

    private static DirectTicket Ticket(TimeProvider clock, Guid agent) => new()
    {
        Id = Guid.NewGuid(),
        UserId = Guid.NewGuid(),
        AgentId = agent,
        Kind = SessionKind.Ssh,
        ExpiresAt = (clock.GetUtcNow() + DirectTicket.Lifetime).ToUnixTimeSeconds(),
    };
}
