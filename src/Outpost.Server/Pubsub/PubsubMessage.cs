using System.Diagnostics.CodeAnalysis;

namespace Outpost.Server.Pubsub;

/// <summary>Why a subscriber was told that it may have missed messages.</summary>
internal enum PubsubDropReason
{
    /// <summary>The subscriber's queue was full, so at least one payload was discarded.</summary>
    Overflow,

    /// <summary>The listener connection broke and was re-established; notifications sent meanwhile are lost.</summary>
    Reconnected,
}

/// <summary>
/// One item read from a <see cref="PubsubSubscription"/>: either a payload, or a marker saying that
/// messages may have been lost at this point of the stream, so the consumer must resync from the
/// database instead of relying on the messages it has seen.
/// </summary>
internal readonly record struct PubsubMessage
{
    private PubsubMessage(string? payload, PubsubDropReason? dropReason)
    {
        Payload = payload;
        DropReason = dropReason;
    }

    /// <summary>The payload as published; null for a dropped marker.</summary>
    public string? Payload { get; }

    /// <summary>Set on a dropped marker only.</summary>
    public PubsubDropReason? DropReason { get; }

    [MemberNotNullWhen(false, nameof(Payload))]
    [MemberNotNullWhen(true, nameof(DropReason))]
    public bool IsDropped => DropReason is not null;

    public static PubsubMessage FromPayload(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new PubsubMessage(payload, null);
    }

    public static PubsubMessage Dropped(PubsubDropReason reason) => new(null, reason);
}
