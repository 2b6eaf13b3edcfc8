using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;

namespace Outpost.Server.Sessions;

/// <summary>
/// One-time tickets for agents dialing back to this replica: 256 random bits, for one agent, single use, valid
/// for <see cref="SessionRelayOptions.TicketLifetime"/>. Kept in memory only: the agent dials the replica that
/// issued it.
/// </summary>
internal sealed class SessionTickets(SessionRelayOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, PendingDial> _pending = new(StringComparer.Ordinal);

    public int Count => _pending.Count;

    public PendingDial Issue(Guid agentId)
    {
        var ticket = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var pending = new PendingDial(ticket, agentId, time.GetTimestamp());
        _pending[ticket] = pending;
        return pending;
    }

    /// <summary>The pending dial for a ticket, removed so it cannot be used again; null when unknown, used, expired or for another agent.</summary>
    public PendingDial? Redeem(string ticket, Guid agentId)
    {
        if (!_pending.TryRemove(ticket, out var pending))
        {
            return null;
        }

        return pending.AgentId == agentId && time.GetElapsedTime(pending.IssuedAt) <= options.TicketLifetime ? pending : null;
    }

    public void Forget(PendingDial pending) => _pending.TryRemove(new KeyValuePair<string, PendingDial>(pending.Ticket, pending));
}

/// <summary>A relay waiting for its agent's dial.</summary>
internal sealed class PendingDial(string ticket, Guid agentId, long issuedAt)
{
    public string Ticket { get; } = ticket;

    public Guid AgentId { get; } = agentId;

    public long IssuedAt { get; } = issuedAt;

    /// <summary>The agent's socket, once it has dialed.</summary>
    public TaskCompletionSource<WebSocket> Dialed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by the relay when it is done with the agent's socket (the dial request then ends).</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
