using System.Text.Json.Serialization;
using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Diagnostics;

/// <summary>
/// <c>GET /api/v2/workspaces/{id}/support/agent-logs?lines=</c> (issue 24, <c>outpost diagnose --bundle</c>): the newest
/// lines of the script output each agent of the workspace's newest build with agents stored, with the owner's secret
/// values, the task's prompt and its conversation replaced by <see cref="Redacted"/> on the server.
/// </summary>
public static class SupportLogsApi
{
    /// <summary>What a withheld value is replaced with.</summary>
    public const string Redacted = "[REDACTED]";

    /// <summary>Lines per agent when <c>lines</c> is absent.</summary>
    public const int DefaultLines = 1000;

    /// <summary>The most lines per agent.</summary>
    public const int MaxLines = 5000;

    /// <summary>The route, with the workspace's id.</summary>
    public static string PathFor(Guid workspaceId) => $"/api/v2/workspaces/{workspaceId}/support/agent-logs";
}

/// <summary>The redacted agent logs of a workspace.</summary>
public sealed record WorkspaceSupportLogs
{
    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The build whose agents these are (the newest build with agents); null when no build had any.</summary>
    public int? BuildNumber { get; init; }

    /// <summary>The most lines returned per agent (the newest).</summary>
    public required int MaxLines { get; init; }

    /// <summary>One entry per agent.</summary>
    public required IReadOnlyList<SupportAgentLog> Agents { get; init; }
}

/// <summary>One agent's newest log lines, redacted.</summary>
public sealed record SupportAgentLog
{
    /// <summary>The agent.</summary>
    public required Guid AgentId { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>How many lines the server stores for it (more than <see cref="Lines"/> holds when it was cut).</summary>
    public required long TotalLines { get; init; }

    /// <summary>How many withheld values were replaced in <see cref="Lines"/>.</summary>
    public required int Redactions { get; init; }

    /// <summary>The newest lines, oldest first.</summary>
    public required IReadOnlyList<AgentLogEntry> Lines { get; init; }
}

/// <summary>JSON metadata for the support logs (its own context keeps merges of the shared one small).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkspaceSupportLogs))]
public sealed partial class SupportLogsJsonContext : JsonSerializerContext;
