using System.Text.Json;
using Outpost.Sdk.Tasks;

namespace Outpost.Server.Tasks;

/// <summary>
/// What the server accepts as a message's run observability summary (issue 23): a JSON object of schema version 1
/// with a run id and a known classification, at most <see cref="MaxSummaryBytes"/> long, on the assistant or status
/// message that closes the run. The summary is stored as sent; these checks keep garbage (and content) out of it.
/// </summary>
internal static class TaskRunRules
{
    /// <summary>The longest summary accepted, in UTF-8 bytes (the incident's evidence is capped at 24 entries; a real one is a few KiB).</summary>
    public const int MaxSummaryBytes = 64 * 1024;

    /// <summary>The summary schema this server stores.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Spec §5.1, plus nothing: the classifications of schema version 1.</summary>
    public static readonly IReadOnlySet<string> Classifications = new HashSet<string>(StringComparer.Ordinal)
    {
        "success", "external_stream_disconnect", "local_instance_reload", "local_instance_dispose", "known_lifecycle_close",
        "unknown_scope_close", "request_setup_failure", "tool_failure", "unknown_failure",
    };

    private const int MaxIdLength = 200;

    /// <summary>The field under <c>run_observability</c> that is wrong and why; null when the summary is acceptable.</summary>
    public static (string Field, string Problem)? Check(NewTaskMessage message, JsonElement summary)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind is not (TaskMessageKind.Assistant or TaskMessageKind.Status))
        {
            return (string.Empty, "a run's summary goes on the assistant or status message that closes the run");
        }

        if (summary.ValueKind != JsonValueKind.Object)
        {
            return (string.Empty, $"must be a JSON object (a run observability summary), not {summary.ValueKind.ToString().ToLowerInvariant()}");
        }

        var length = summary.GetRawText().Length;
        if (length > MaxSummaryBytes)
        {
            return (string.Empty, $"is {length} characters long; the limit is {MaxSummaryBytes} (the incident's evidence is capped at 24 entries)");
        }

        if (!summary.TryGetProperty("schema_version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number))
        {
            return (".schema_version", $"schema_version is required: the number {SchemaVersion}");
        }

        if (number != SchemaVersion)
        {
            return (".schema_version", $"schema_version {number} is not one this server stores; it stores {SchemaVersion}");
        }

        if (!summary.TryGetProperty("run_id", out var runId) || runId.ValueKind != JsonValueKind.String || runId.GetString() is not { Length: > 0 and <= MaxIdLength })
        {
            return (".run_id", $"run_id is required: a string of 1 to {MaxIdLength} characters");
        }

        if (!summary.TryGetProperty("classification", out var classification) || classification.ValueKind != JsonValueKind.String
            || !Classifications.Contains(classification.GetString()!))
        {
            return (".classification", $"classification is required: one of {string.Join(", ", Classifications)}");
        }

        if (summary.TryGetProperty("incident", out var incident) && incident.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            return (".incident", "incident must be an object (the run incident) when present");
        }

        return null;
    }

    /// <summary>The classification of an accepted summary.</summary>
    public static string ClassificationOf(JsonElement summary) => summary.GetProperty("classification").GetString()!;
}
