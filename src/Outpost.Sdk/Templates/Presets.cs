using System.Text.Json;

namespace Outpost.Sdk.Templates;

/// <summary>
/// A preset of a template version with the state of its prebuilt-workspace pool, as
/// <c>GET /api/v2/templateversions/{id}/presets</c> and <c>GET /api/v2/templates/{idOrName}/presets</c> answer.
/// </summary>
public sealed record TemplatePreset
{
    /// <summary>The template version that declares it.</summary>
    public required Guid TemplateVersionId { get; init; }

    /// <summary>The preset's name, unique within the version.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Picked unless someone picks another.</summary>
    public bool Default { get; init; }

    /// <summary>Parameter values by parameter name.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Ready prebuilt workspaces the server keeps (0 when the version is not the active one).</summary>
    public int Desired { get; init; }

    /// <summary>Prebuilt workspaces of this preset whose build succeeded (their agents may still be starting).</summary>
    public int Running { get; init; }

    /// <summary>Of <see cref="Running"/>, those whose agents are all ready: a create with this preset claims one of them.</summary>
    public int Eligible { get; init; }

    /// <summary>Prebuilt workspaces whose first build is queued or running.</summary>
    public int Building { get; init; }

    /// <summary>Consecutive failed prebuild creations (the current streak; a success resets it).</summary>
    public int Failed { get; init; }

    /// <summary>What the reconciler does about the pool.</summary>
    public PrebuildPoolState State { get; init; }

    /// <summary>With <see cref="PrebuildPoolState.Backoff"/>: when the next creation may be tried.</summary>
    public DateTimeOffset? RetryAt { get; init; }
}

/// <summary>The reconciler's view of one preset's pool.</summary>
public enum PrebuildPoolState
{
    /// <summary>The pool is kept at its desired count.</summary>
    Ok,

    /// <summary>Recent creations failed; the next is delayed (30 s, doubling, at most 10 min).</summary>
    Backoff,

    /// <summary>Five creations in a row failed: no more are tried for this version until a new version is activated.</summary>
    Stopped,

    /// <summary>The version is not its template's active one, or the preset asks for no prebuilds.</summary>
    Inactive,
}

/// <summary>Why an agent is told to reinitialise.</summary>
public enum ReinitializationReason
{
    /// <summary>The prebuilt workspace the agent serves was claimed by a user.</summary>
    PrebuildClaimed,
}

/// <summary>
/// The event <c>GET /api/v2/workspaceagents/me/reinit</c> sends (SSE, event <c>reinit</c>) and the
/// claim pubsub channel carries (coder-spec §4): JSON with the workspace and its new owner.
/// </summary>
public sealed record ReinitializationEvent
{
    /// <summary>The workspace that was claimed.</summary>
    public Guid WorkspaceId { get; init; }

    /// <summary>Why.</summary>
    public ReinitializationReason Reason { get; init; }

    /// <summary>The new owner; <see cref="Guid.Empty"/> when an older server sent a raw-string payload.</summary>
    public Guid OwnerId { get; init; }

    /// <summary>The SSE event name.</summary>
    public const string EventName = "reinit";

    /// <summary>The route under <see cref="Agents.AgentApi.Prefix"/>.</summary>
    public const string Route = "reinit";

    /// <summary>
    /// Reads a payload: the JSON event, or (an older publisher) a raw reason string, which becomes an
    /// event for <paramref name="workspaceId"/> with no owner.
    /// </summary>
    public static ReinitializationEvent Parse(string payload, Guid workspaceId)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.TrimStart().StartsWith('{'))
        {
            try
            {
                if (JsonSerializer.Deserialize<ReinitializationEvent>(payload, OutpostJson.Options) is { } parsed)
                {
                    return parsed.WorkspaceId == Guid.Empty ? parsed with { WorkspaceId = workspaceId } : parsed;
                }
            }
            catch (JsonException)
            {
                // Not the JSON event after all: read as the raw string below.
            }
        }

        return new ReinitializationEvent { WorkspaceId = workspaceId, Reason = ReinitializationReason.PrebuildClaimed, OwnerId = Guid.Empty };
    }

    /// <summary>The JSON payload.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, OutpostJson.Options);
}

/// <summary>The well-known ids of prebuilt workspaces.</summary>
public static class PrebuiltWorkspaces
{
    /// <summary>The prebuilds system user, owner and initiator of every prebuilt workspace until it is claimed (coder-spec §4).</summary>
    public static Guid SystemUserId { get; } = new("c42fdf75-3097-471c-8c33-fb52454d81c0");

    /// <summary>The prebuilds system user's name.</summary>
    public const string SystemUserName = "prebuilds";

    /// <summary>The pubsub channel a claim of <paramref name="workspaceId"/> is announced on.</summary>
    public static string ClaimChannel(Guid workspaceId) => $"prebuild_claimed_{workspaceId}";
}
