using System.Text.Json.Serialization;

namespace Outpost.Sdk.Diagnostics;

/// <summary>
/// <c>GET /api/v2/workspaces/{id}/timeline?since=&amp;until=&amp;limit=&amp;after=</c>: one ordered list of what every layer
/// recorded about a workspace (issue 24) — builds and their jobs, agent lifecycle changes, control-plane connections
/// data-plane sessions and AI task runs with their incidents — oldest first, paginated with <see cref="WorkspaceTimeline.NextAfter"/>.
/// </summary>
public static class TimelineApi
{
    /// <summary>The route, with the workspace's id.</summary>
    public static string PathFor(Guid workspaceId) => $"/api/v2/workspaces/{workspaceId}/timeline";

    /// <summary>Entries a page holds when <c>limit</c> is absent.</summary>
    public const int DefaultLimit = 200;

    /// <summary>The most entries a page holds.</summary>
    public const int MaxLimit = 1000;
}

/// <summary>Which layer recorded a timeline entry.</summary>
public enum TimelineSource
{
    /// <summary>A workspace build and its provisioner job (queued, claimed, stages, result).</summary>
    Build,

    /// <summary>An agent's lifecycle (as the agent reported it).</summary>
    Agent,

    /// <summary>An agent's control-plane connection (connected, disconnected and why).</summary>
    ControlPlane,

    /// <summary>A data-plane session from the connection log (ssh, pty, exec, port forward).</summary>
    Session,

    /// <summary>An AI task's run (started, its incident, ended) from the run summary its agent stored (no prompt or output).</summary>
    Task,
}

/// <summary>One thing that happened to a workspace.</summary>
public sealed record TimelineEntry
{
    /// <summary>When it happened (for agent lifecycle changes: when the agent says it happened).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The layer that recorded it.</summary>
    public required TimelineSource Source { get; init; }

    /// <summary>
    /// What happened: <c>build.queued</c>, <c>build.claimed</c>, <c>build.stage</c>, <c>build.canceling</c>,
    /// <c>build.succeeded</c>, <c>build.failed</c>, <c>build.canceled</c>, <c>agent.lifecycle</c>, <c>agent.connected</c>,
    /// <c>agent.disconnected</c>, <c>session.opened</c>, <c>session.closed</c>, <c>task.run.started</c>, <c>task.run.incident</c>,
    /// <c>task.run.ended</c>.
    /// </summary>
    public required string Kind { get; init; }

    /// <summary>The build it belongs to, when it belongs to one (agents belong to the build that created them).</summary>
    public int? BuildNumber { get; init; }

    /// <summary>The agent's name, for agent, control-plane and session entries.</summary>
    public string? Agent { get; init; }

    /// <summary>The W3C trace id of the request that caused it, where it is known.</summary>
    public string? TraceId { get; init; }

    /// <summary>The layer's own structured fields (snake_case names; values as text), e.g. <c>disconnect_reason</c>.</summary>
    public required IReadOnlyDictionary<string, string> Fields { get; init; }
}

/// <summary>A page of a workspace's timeline.</summary>
public sealed record WorkspaceTimeline
{
    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The entries, oldest first.</summary>
    public required IReadOnlyList<TimelineEntry> Entries { get; init; }

    /// <summary>Pass as <c>after</c> for the next page; null on the last page.</summary>
    public string? NextAfter { get; init; }
}

/// <summary>JSON metadata for the timeline (its own context keeps merges of the shared one small).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkspaceTimeline))]
public sealed partial class TimelineJsonContext : JsonSerializerContext;
