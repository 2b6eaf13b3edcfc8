using System.Text.Json.Serialization;

namespace Outpost.Sdk.Tasks;

/// <summary>
/// AI seats (coder-spec §9): a user who used an AI feature (created a task, sent a task a message)
/// holds a seat. <c>GET /api/v2/ai-seats</c> (owners only) → <see cref="AiSeatList"/>.
/// </summary>
public static class AiSeatApi
{
    /// <summary>The route.</summary>
    public const string Path = "/api/v2/ai-seats";
}

/// <summary>Why a seat was last used.</summary>
public enum AiSeatUsage
{
    /// <summary>A task was created or sent a message.</summary>
    Task,

    /// <summary>The AI bridge (reserved; upstream's other reason).</summary>
    Aibridge,
}

/// <summary>One user's seat.</summary>
public sealed record AiSeat
{
    /// <summary>The user's id.</summary>
    public required Guid UserId { get; init; }

    /// <summary>The user's username.</summary>
    public required string Username { get; init; }

    /// <summary>The first AI use; never changes.</summary>
    public required DateTimeOffset FirstUsedAt { get; init; }

    /// <summary>The last recorded use (recorded at most once per debounce window, so up to that much behind).</summary>
    public required DateTimeOffset LastUsedAt { get; init; }

    /// <summary>What the last recorded use was.</summary>
    public required AiSeatUsage LastEventType { get; init; }

    /// <summary>The last recorded use, for people.</summary>
    public required string LastEventDescription { get; init; }
}

/// <summary>The seats in use: active users with a seat, first use first.</summary>
public sealed record AiSeatList
{
    /// <summary>How many seats are in use.</summary>
    public required int Count { get; init; }

    /// <summary>The seats.</summary>
    public required IReadOnlyList<AiSeat> Seats { get; init; }
}

/// <summary>JSON metadata for the seat types (kept apart from the shared context to keep merges small).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AiSeat))]
[JsonSerializable(typeof(AiSeatList))]
public sealed partial class AiSeatJsonContext : JsonSerializerContext;
