using System.Text.Json.Serialization;

namespace Outpost.Cli.Connect;

/// <summary>What <c>outpost ping --output json</c> prints: every round trip, then the summary.</summary>
internal sealed record PingReport
{
    public required string Workspace { get; init; }

    public required string Agent { get; init; }

    /// <summary><c>direct</c> or <c>relay</c>: the path the pings took.</summary>
    public required string Path { get; init; }

    /// <summary>The agent's direct address when the path is direct.</summary>
    public string? Address { get; init; }

    /// <summary>Why the direct path was not taken, when it was tried; null otherwise.</summary>
    public string? DirectFailure { get; init; }

    public required IReadOnlyList<PingReply> Pings { get; init; }

    public int Sent => Pings.Count;

    public int Received => Pings.Count(p => p.RttMs is not null);

    public double LossPercent => Sent == 0 ? 0 : Math.Round(100.0 * (Sent - Received) / Sent, 1);

    public double? MinMs => Received == 0 ? null : Pings.Min(p => p.RttMs);

    public double? AvgMs => Received == 0 ? null : Math.Round(Pings.Where(p => p.RttMs is not null).Average(p => p.RttMs!.Value), 3);

    public double? MaxMs => Received == 0 ? null : Pings.Max(p => p.RttMs);
}

/// <summary>One round trip: its sequence number and time in milliseconds, null when no answer came in time.</summary>
internal sealed record PingReply(int Seq, double? RttMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PingReport))]
internal sealed partial class PingJsonContext : JsonSerializerContext;
