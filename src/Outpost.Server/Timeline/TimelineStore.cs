using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Server.Database;

namespace Outpost.Server.Timeline;

/// <summary>Where a timeline page starts: after the entry with this time, order and key.</summary>
internal readonly record struct TimelineCursor(DateTimeOffset Time, int Order, string Key)
{
    /// <summary>Opaque to clients: base64url of <c>microseconds:order:key</c>.</summary>
    public string Encode()
    {
        var micros = (Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{micros}:{Order}:{Key}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string text, out TimelineCursor cursor)
    {
        cursor = default;
        if (text.Length is 0 or > 256)
        {
            return false;
        }

        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(bytes, 0, written).Split(':', 3);
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var order)
            || parts[2].Length == 0
            || micros > (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10)
        {
            return false;
        }

        cursor = new TimelineCursor(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), order, parts[2]);
        return true;
    }
}

/// <summary>
/// Reads a workspace's timeline from the tables each layer already writes (builds and jobs with their logs' stages,
/// agent lifecycle events, the connection log, the task's run summaries) in one statement: each source is a branch of a <c>UNION ALL</c> that
/// names its time, an order among entries of the same time (queued before claimed before stages before the result;
/// agent entries after build entries) and a stable key, and the page is the next <c>limit</c> rows after the cursor.
/// No source is read per entry (no N+1); the connection log is read through its workspace index.
/// </summary>
internal sealed class TimelineStore(NpgsqlDataSource dataSource)
{
    private const string Entries = """
        WITH b AS (
            SELECT b.build_number, b.transition, b.reason, j.id AS job_id, j.provisioner, j.created_at, j.started_at, j.canceled_at,
                   j.completed_at, NULLIF(j.error, '') AS error, j.error_code, j.worker_name, j.job_status, u.username AS initiator
            FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id LEFT JOIN users u ON u.id = b.initiator_id
            WHERE b.workspace_id = $1
        ), a AS (
            SELECT a.id, a.name, ab.build_number FROM workspace_agents a JOIN workspace_builds ab ON ab.id = a.build_id WHERE ab.workspace_id = $1
        ), r AS (
            SELECT m.sequence::text AS key, m.created_at AS stored_at, m.run_observability AS ro, (m.run_observability ->> 'created_at')::timestamptz AS began,
                   (m.run_observability ->> 'completed_at')::timestamptz AS completed
            FROM tasks t JOIN task_messages m ON m.task_id = t.id
            WHERE t.workspace_id = $1 AND m.run_observability IS NOT NULL
        ), e AS (
            SELECT created_at AS at, 0 AS ord, job_id::text AS key, 'build' AS source, 'build.queued' AS kind, build_number, NULL::text AS agent,
                   jsonb_build_object('transition', transition, 'reason', reason, 'provisioner', provisioner, 'initiator', initiator) AS fields,
                   NULL::text AS trace_id
            FROM b
            UNION ALL
            SELECT started_at, 1, job_id::text, 'build', 'build.claimed', build_number, NULL,
                   jsonb_build_object('worker', worker_name, 'queue_wait_ms', (round(extract(epoch FROM started_at - created_at) * 1000))::bigint::text), NULL
            FROM b WHERE started_at IS NOT NULL
            UNION ALL
            SELECT s.at, 2, b.job_id::text || ':' || s.stage, 'build', 'build.stage', b.build_number, NULL, jsonb_build_object('stage', s.stage), NULL
            FROM b JOIN LATERAL (
                SELECT l.stage, min(l.created_at) AS at FROM provisioner_job_logs l WHERE l.job_id = b.job_id AND l.stage <> '' GROUP BY l.stage
            ) s ON true
            UNION ALL
            SELECT canceled_at, 3, job_id::text, 'build', 'build.canceling', build_number, NULL, '{}'::jsonb, NULL
            FROM b WHERE canceled_at IS NOT NULL AND (completed_at IS NULL OR canceled_at < completed_at)
            UNION ALL
            SELECT completed_at, 4, job_id::text, 'build', 'build.' || job_status, build_number, NULL,
                   jsonb_build_object('error', error, 'error_code', error_code,
                                      'duration_ms', (round(extract(epoch FROM completed_at - COALESCE(started_at, created_at)) * 1000))::bigint::text), NULL
            FROM b WHERE completed_at IS NOT NULL
            UNION ALL
            SELECT le.changed_at, 5, le.id::text, 'agent', 'agent.lifecycle', a.build_number, a.name,
                   jsonb_build_object('state', le.state, 'received_at', to_char(le.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), NULL
            FROM agent_lifecycle_events le JOIN a ON a.id = le.agent_id
            UNION ALL
            SELECT c.started_at, 6, c.id::text, CASE WHEN c.type = 'control_plane' THEN 'control_plane' ELSE 'session' END,
                   CASE WHEN c.type = 'control_plane' THEN 'agent.connected' ELSE 'session.opened' END, a.build_number, a.name,
                   jsonb_build_object('type', c.type, 'path', c.path, 'user', u.username, 'client_address', c.client_address, 'connection_id', c.id::text), c.trace_id
            FROM connection_logs c LEFT JOIN a ON a.id = c.agent_id LEFT JOIN users u ON u.id = c.user_id
            WHERE c.workspace_id = $1
            UNION ALL
            SELECT c.ended_at, 7, c.id::text, CASE WHEN c.type = 'control_plane' THEN 'control_plane' ELSE 'session' END,
                   CASE WHEN c.type = 'control_plane' THEN 'agent.disconnected' ELSE 'session.closed' END, a.build_number, a.name,
                   jsonb_build_object('type', c.type, 'path', c.path, 'user', u.username, 'connection_id', c.id::text,
                                      'disconnect_reason', c.disconnect_reason, 'disconnect_initiator', c.disconnect_initiator,
                                      'disconnect_detail', NULLIF(c.disconnect_detail, ''), 'disconnect_expected', c.disconnect_expected::text,
                                      'exit_code', c.exit_code::text, 'bytes_to_agent', c.bytes_to_agent::text, 'bytes_to_client', c.bytes_to_client::text,
                                      'duration_ms', (round(extract(epoch FROM c.ended_at - c.started_at) * 1000))::bigint::text), c.trace_id
            FROM connection_logs c LEFT JOIN a ON a.id = c.agent_id LEFT JOIN users u ON u.id = c.user_id
            WHERE c.workspace_id = $1 AND c.ended_at IS NOT NULL
            UNION ALL
            SELECT began, 8, key, 'task', 'task.run.started', NULL, NULL,
                   jsonb_build_object('run_id', ro ->> 'run_id', 'provider', ro ->> 'provider', 'model', ro ->> 'model'), NULL
            FROM r
            UNION ALL
            SELECT COALESCE(began + f.ms * interval '1 millisecond', completed, stored_at), 9, key, 'task', 'task.run.incident', NULL, NULL,
                   jsonb_build_object('run_id', ro ->> 'run_id', 'classification', ro ->> 'classification', 'summary_key', ro ->> 'summary_key',
                                      'provider', ro ->> 'provider', 'model', ro ->> 'model',
                                      'category', i -> 'terminal_cause' ->> 'category', 'subcategory', i -> 'terminal_cause' ->> 'subcategory',
                                      'boundary', i -> 'terminal_cause' ->> 'boundary', 'tool', i -> 'terminal_cause' ->> 'tool',
                                      'error_name', i -> 'terminal_cause' -> 'error' ->> 'name', 'error_code', i -> 'terminal_cause' -> 'error' ->> 'code',
                                      'error_message', i -> 'terminal_cause' -> 'error' ->> 'message', 'cause_code', i -> 'terminal_cause' -> 'error' ->> 'cause_code',
                                      'run_phase', i -> 'phase' ->> 'run_phase', 'stream_phase', i -> 'phase' ->> 'stream_phase', 'tool_phase', i -> 'phase' ->> 'tool_phase',
                                      'visible_output_seen', i -> 'facts' ->> 'visible_output_seen', 'tool_execution_started', i -> 'facts' ->> 'tool_execution_started',
                                      'unsafe_side_effect_started', i -> 'facts' ->> 'unsafe_side_effect_started',
                                      'lifecycle', i -> 'provenance' -> 'lifecycle' ->> 'kind',
                                      'recovery', i -> 'recovery' ->> 'recommendation', 'recovery_reason', i -> 'recovery' ->> 'reason',
                                      'severity', i -> 'user_summary' ->> 'severity', 'incident_id', i ->> 'incident_id'), NULL
            FROM r CROSS JOIN LATERAL (SELECT ro -> 'incident' AS i) x
            LEFT JOIN LATERAL (
                SELECT (ev ->> 'monotonic_ms')::float8 AS ms FROM json_array_elements(i -> 'evidence') ev
                WHERE (ev ->> 'terminal_candidate')::boolean ORDER BY (ev ->> 'order')::float8 LIMIT 1
            ) f ON true
            WHERE json_typeof(i) = 'object'
            UNION ALL
            SELECT COALESCE(completed, stored_at), 10, key, 'task', 'task.run.ended', NULL, NULL,
                   jsonb_build_object('run_id', ro ->> 'run_id', 'classification', ro ->> 'classification', 'summary_key', ro ->> 'summary_key',
                                      'retry', ro -> 'retry_safety' ->> 'recommendation', 'retry_reason', ro -> 'retry_safety' ->> 'reason',
                                      'attempts', json_array_length(ro -> 'attempts')::text, 'duration_ms', (round((ro -> 'durations_ms' ->> 'total')::numeric))::bigint::text,
                                      'error_code', ro -> 'error' ->> 'code', 'cause_code', ro -> 'error' ->> 'cause_code', 'lifecycle', ro -> 'lifecycle' ->> 'kind'), NULL
            FROM r
        )
        SELECT at, ord, key, source, kind, build_number, agent, jsonb_strip_nulls(fields)::text, trace_id FROM e
        """;

    /// <summary>
    /// Up to <paramref name="limit"/> entries in <c>[since, until)</c> after <paramref name="after"/>, oldest first, and
    /// the cursor of the last one.
    /// </summary>
    public async Task<(List<TimelineEntry> Entries, TimelineCursor? Last)> ReadAsync(
        Guid workspaceId, DateTimeOffset? since, DateTimeOffset? until, TimelineCursor? after, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(Entries);
        await using var command = dataSource.CreateCommand();
        command.With(workspaceId);
        var conditions = new List<string>();
        if (since is { } from)
        {
            command.With(from);
            conditions.Add($"at >= ${command.Parameters.Count}");
        }

        if (until is { } to)
        {
            command.With(to);
            conditions.Add($"at < ${command.Parameters.Count}");
        }

        if (after is { } cursor)
        {
            command.With(cursor.Time).With(cursor.Order).With(cursor.Key);
            var n = command.Parameters.Count;
            conditions.Add($"(at, ord, key) > (${n - 2}, ${n - 1}, ${n})");
        }

        // Rows with no time (a job not started yet has no claimed entry) never reach here: each branch filters them.
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        command.With(limit);
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY at, ord, key LIMIT ${command.Parameters.Count}");
        command.CommandText = sql.ToString();

        var entries = new List<TimelineEntry>(Math.Min(limit, 256));
        TimelineCursor? last = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var time = reader.GetFieldValue<DateTimeOffset>(0);
            last = new TimelineCursor(time, reader.GetInt32(1), reader.GetString(2));
            entries.Add(new TimelineEntry
            {
                Time = time,
                Source = WireName<TimelineSource>.Parse(reader.GetString(3)),
                Kind = reader.GetString(4),
                BuildNumber = reader.GetNullable<int>(5),
                Agent = reader.GetNullableString(6),
                Fields = FieldsOf(reader.GetString(7)),
                TraceId = reader.GetNullableString(8),
            });
        }

        return (entries, last);
    }

    private static Dictionary<string, string> FieldsOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            fields[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }

        return fields;
    }
}
