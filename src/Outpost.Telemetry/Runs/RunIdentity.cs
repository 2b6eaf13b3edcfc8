namespace Outpost.Telemetry.Runs;

/// <summary>
/// Who a run is (run-observability-spec §2): the assistant message it produces, its conversation and the user
/// message it answers, the provider and model, and when the message was created. Ids, provider and model are
/// labels, never content; they pass through <see cref="RunSafeText.Label"/> before they are kept.
/// </summary>
public sealed record RunIdentity
{
    /// <summary>The conversation (for a task: the task's id).</summary>
    public required string SessionId { get; init; }

    /// <summary>The assistant message's id (the run id is <c>run:</c> and this).</summary>
    public required string MessageId { get; init; }

    /// <summary>The user message the run answers, when known.</summary>
    public string? ParentMessageId { get; init; }

    /// <summary>The provider's name (e.g. <c>openai</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The model's name.</summary>
    public required string Model { get; init; }

    /// <summary>When the assistant message was created (wall clock).</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
