using System.Text.Json;
using Outpost.Sdk.Tasks;

namespace Outpost.Server.Tasks;

/// <summary>
/// What the server accepts as a message's run observability summary (issue 23), beyond what binding already
/// refuses (a missing member, an unknown classification or cause, a wrong type — each a 400 naming its path): schema
/// version 1, a run id, at most <see cref="MaxSummaryBytes"/> once serialized, on the assistant or status message that
/// closes the run. The summary is stored as the server serializes it, so members it does not know are dropped.
/// </summary>
internal static class TaskRunRules
{
    /// <summary>The longest summary accepted, in UTF-8 bytes (the incident's evidence is capped at 24 entries; a real one is a few KiB).</summary>
    public const int MaxSummaryBytes = 64 * 1024;

    private const int MaxIdLength = 200;

    /// <summary>The summary as stored.</summary>
    public static string Serialize(RunObservability summary) => JsonSerializer.Serialize(summary, RunObservabilityJsonContext.Default.RunObservability);

    /// <summary>The field under <c>run_observability</c> that is wrong (empty for the whole) and why; null when the summary is acceptable.</summary>
    public static (string Field, string Problem)? Check(NewTaskMessage message, RunObservability summary)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(summary);
        if (message.Kind is not (TaskMessageKind.Assistant or TaskMessageKind.Status))
        {
            return (string.Empty, "a run's summary goes on the assistant or status message that closes the run");
        }

        if (summary.SchemaVersion != RunObservability.CurrentSchemaVersion)
        {
            return (".schema_version", $"schema_version {summary.SchemaVersion} is not one this server stores; it stores {RunObservability.CurrentSchemaVersion}");
        }

        if (summary.RunId is not { Length: > 0 and <= MaxIdLength } || summary.MessageId is not { Length: > 0 and <= MaxIdLength })
        {
            return (summary.RunId is { Length: > 0 and <= MaxIdLength } ? ".message_id" : ".run_id", $"run_id and message_id are strings of 1 to {MaxIdLength} characters");
        }

        if (summary.InternalErrors is < 0)
        {
            return (".internal_errors", "internal_errors is a count: 0 or more");
        }

        if (summary.Incident is { SchemaVersion: not RunIncident.CurrentSchemaVersion } incident)
        {
            return (".incident.schema_version", $"schema_version {incident.SchemaVersion} is not one this server stores; it stores {RunIncident.CurrentSchemaVersion}");
        }

        var length = System.Text.Encoding.UTF8.GetByteCount(Serialize(summary));
        return length > MaxSummaryBytes
            ? (string.Empty, $"is {length} bytes long; the limit is {MaxSummaryBytes} (the incident's evidence is capped at 24 entries)")
            : null;
    }
}
