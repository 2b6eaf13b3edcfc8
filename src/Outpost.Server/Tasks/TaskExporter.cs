using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Server.Tasks;

/// <summary>
/// Writes a task's export (issue 23, spec §10; docs/tasks.md "Exporting a task"): the task, every message with its
/// <c>diagnostics.run_observability</c> where it closed a run, and the top-level <c>diagnostics</c> with every run
/// summary and every incident. Rows are read one at a time and written as they come, flushed every
/// <see cref="FlushBytes"/>, so a task with thousands of runs costs the same memory as one with a few. The sanitized
/// export (§6.7, §10.3) holds no conversation content at all: no prompt, no message text, no tool names or arguments,
/// no workspace or owner names (a task's workspace is named after its prompt), no status reasons — ids, kinds, times,
/// sizes and the run summaries, which are safe by construction.
/// </summary>
internal sealed class TaskExporter(TaskStore store, TimeProvider time)
{
    /// <summary>The export's own schema.</summary>
    public const int ExportSchemaVersion = 1;

    /// <summary>The run summary and incident schema the export carries (spec §10.2).</summary>
    public const int RunSchemaVersion = 1;

    private const int FlushBytes = 32 * 1024;

    public async Task WriteAsync(AiTask task, bool sanitize, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(body);
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true, SkipValidation = false });
        json.WriteStartObject();
        json.WriteNumber("export_schema_version", ExportSchemaVersion);
        json.WriteBoolean("sanitized", sanitize);
        json.WriteString("exported_at", time.GetUtcNow());
        WriteTask(json, task, sanitize);

        var runs = 0;
        var incidents = 0;
        json.WriteStartArray("messages");
        await foreach (var row in store.ReadForExportAsync(task.Id, content: !sanitize, cancellationToken).ConfigureAwait(false))
        {
            WriteMessage(json, row, sanitize);
            if (row.RunObservability is { } summary)
            {
                runs++;
                incidents += HasIncident(summary) ? 1 : 0;
            }

            await FlushIfFullAsync(json, cancellationToken).ConfigureAwait(false);
        }

        json.WriteEndArray();

        // Spec §10.2: the versions are present only when at least one summary (incident) exists.
        json.WriteStartObject("diagnostics");
        if (runs > 0)
        {
            json.WriteNumber("run_observability_schema_version", RunSchemaVersion);
            json.WriteStartArray("run_observability");
            await foreach (var summary in store.ReadRunsForExportAsync(task.Id, incidents: false, cancellationToken).ConfigureAwait(false))
            {
                json.WriteRawValue(TaskRunSanitizer.Summary(summary, sanitize), skipInputValidation: true);
                await FlushIfFullAsync(json, cancellationToken).ConfigureAwait(false);
            }

            json.WriteEndArray();
        }

        if (incidents > 0)
        {
            json.WriteNumber("run_incident_schema_version", RunSchemaVersion);
            json.WriteStartArray("run_incidents");
            await foreach (var incident in store.ReadRunsForExportAsync(task.Id, incidents: true, cancellationToken).ConfigureAwait(false))
            {
                json.WriteRawValue(TaskRunSanitizer.Incident(incident, sanitize), skipInputValidation: true);
                await FlushIfFullAsync(json, cancellationToken).ConfigureAwait(false);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteTask(Utf8JsonWriter json, AiTask task, bool sanitize)
    {
        json.WriteStartObject("task");
        json.WriteString("id", task.Id);
        json.WriteString("workspace_id", task.WorkspaceId);
        json.WriteString("owner_id", task.OwnerId);
        json.WriteString("template_name", task.TemplateName);
        json.WriteString("status", WireName.Of(task.Status));
        json.WriteString("created_at", task.CreatedAt);
        json.WriteString("updated_at", task.UpdatedAt);
        if (!sanitize)
        {
            json.WriteString("owner_name", task.OwnerName);
            json.WriteString("workspace_name", task.WorkspaceName);
            if (task.StatusReason is { } reason)
            {
                json.WriteString("status_reason", reason);
            }

            json.WriteString("prompt", task.Prompt);
        }

        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, TaskExportRow row, bool sanitize)
    {
        json.WriteStartObject();
        json.WriteNumber("sequence", row.Sequence);
        json.WriteString("kind", WireName.Of(row.Kind));
        json.WriteString("created_at", row.CreatedAt);
        if (row.InboxEvent is { } inboxEvent)
        {
            json.WriteString("inbox_event", inboxEvent);
        }

        if (!sanitize)
        {
            if (row.ToolName is { } tool)
            {
                json.WriteString("tool_name", tool);
            }

            json.WriteString("content", row.Content);
        }

        if (row.RunObservability is { } summary)
        {
            json.WriteStartObject("diagnostics");
            json.WritePropertyName("run_observability");
            json.WriteRawValue(TaskRunSanitizer.Summary(summary, sanitize), skipInputValidation: true);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static bool HasIncident(string summary)
    {
        using var document = JsonDocument.Parse(summary);
        return document.RootElement.TryGetProperty("incident", out var incident) && incident.ValueKind == JsonValueKind.Object;
    }

    private static async Task FlushIfFullAsync(Utf8JsonWriter json, CancellationToken cancellationToken)
    {
        if (json.BytesPending >= FlushBytes)
        {
            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
