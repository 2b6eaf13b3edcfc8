using Outpost.Server.Sessions;
using Outpost.Testing;

namespace Outpost.Server.Tests.Sessions;

public sealed class SessionTicketsTests
{
    [Fact]
    public void A_ticket_is_good_once()
    {
        var tickets = new SessionTickets(new SessionRelayOptions(), new FakeTimeProvider());
        var agent = Guid.NewGuid();
        var pending = tickets.Issue(agent);

        Assert.Same(pending, tickets.Redeem(pending.Ticket, agent));
        Assert.Null(tickets.Redeem(pending.Ticket, agent));
    }

    [Fact]
    public void A_ticket_expires_after_its_lifetime()
    {
        var clock = new FakeTimeProvider();
        var tickets = new SessionTickets(new SessionRelayOptions { TicketLifetime = TimeSpan.FromSeconds(10) }, clock);
        var agent = Guid.NewGuid();
        var fresh = tickets.Issue(agent);
        var stale = tickets.Issue(agent);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.NotNull(tickets.Redeem(fresh.Ticket, agent));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(tickets.Redeem(stale.Ticket, agent));
        Assert.Equal(0, tickets.Count);
    }

    [Fact]
    public void A_ticket_is_only_for_its_agent_and_is_burnt_by_a_wrong_one()
    {
        var tickets = new SessionTickets(new SessionRelayOptions(), new FakeTimeProvider());
        var agent = Guid.NewGuid();
        var pending = tickets.Issue(agent);

        Assert.Null(tickets.Redeem(pending.Ticket, Guid.NewGuid()));
        Assert.Null(tickets.Redeem(pending.Ticket, agent));
    }

    [Fact]
    public void Tickets_are_unguessable_and_distinct()
    {
        var tickets = new SessionTickets(new SessionRelayOptions(), new FakeTimeProvider());
        var agent = Guid.NewGuid();

        var issued = Enumerable.Range(0, 100).Select(_ => tickets.Issue(agent).Ticket).ToList();

        Assert.Equal(100, issued.Distinct(StringComparer.Ordinal).Count());
        Assert.All(issued, t => Assert.True(t.Length >= 43));
    }
}
