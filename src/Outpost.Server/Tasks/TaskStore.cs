using System.Data;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Server.Database;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Tasks;

/// <summary>A task as read, with what its authorization needs.</summary>
internal sealed record TaskRow(AiTask Task, long LastSequence);

/// <summary>A message as its task's export reads it: content and tool name are null in a sanitized export; the run summary as stored.</summary>
internal sealed record TaskExportRow(long Sequence, TaskMessageKind Kind, string? Content, string? ToolName, string? InboxEvent, DateTimeOffset CreatedAt, string? RunObservability);

/// <summary>
/// The store of <c>tasks</c> and <c>task_messages</c>. Messages are numbered under the task row's
/// lock (<c>last_sequence</c>), so sequences have no gaps and a reader that saw sequence N has seen
/// everything before it once N committed. Every change is announced on the task's channel
/// (<see cref="Channel"/>) after its commit.
/// </summary>
internal sealed class TaskStore(NpgsqlDataSource dataSource, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>The payload announcing new messages.</summary>
    public const string MessagesPayload = "messages";

    /// <summary>The payload announcing a status report.</summary>
    public const string StatusPayload = "status";

    private readonly ILogger _logger = loggers.CreateLogger(TasksLog.Category);

    private const string TaskSelect = """
        SELECT k.id, k.owner_id, u.username, k.workspace_id, w.name, t.name, k.prompt, k.agent_status, k.agent_reason, k.agent_build_number,
               k.created_at, greatest(k.updated_at, j.updated_at), b.build_number, b.transition, j.job_status, j.error, k.last_sequence
        FROM tasks k
        JOIN workspaces w ON w.id = k.workspace_id
        JOIN users u ON u.id = k.owner_id
        JOIN templates t ON t.id = w.template_id
        JOIN LATERAL (SELECT * FROM workspace_builds lb WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
        JOIN provisioner_jobs j ON j.id = b.job_id
        """;

    public static string Channel(Guid taskId) => $"task:{taskId:N}";

    /// <summary>In the workspace's creating transaction: the task and its first message, the prompt.</summary>
    public static async Task InsertAsync(NpgsqlTransaction transaction, Guid taskId, Guid ownerId, Guid workspaceId, string prompt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        batch.BatchCommands.Add(CommandExtensions.Batch("""
            INSERT INTO tasks (id, owner_id, workspace_id, prompt, last_sequence, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5)
            """, taskId, ownerId, workspaceId, prompt, now));
        batch.BatchCommands.Add(CommandExtensions.Batch("""
            INSERT INTO task_messages (task_id, sequence, kind, content, created_at) VALUES ($1, 1, 'user', $2, $3)
            """, taskId, prompt, now));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TaskRow?> GetAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{TaskSelect} WHERE k.id = $1 AND NOT w.deleted");
        command.With(taskId);
        return (await ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>The task of a live workspace, for its agent.</summary>
    public async Task<TaskRow?> GetByWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{TaskSelect} WHERE k.workspace_id = $1 AND NOT w.deleted");
        command.With(workspaceId);
        return (await ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>Tasks of live workspaces, newest first; every owner's when <paramref name="ownerId"/> is null.</summary>
    public async Task<List<TaskRow>> ListAsync(Guid? ownerId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            {TaskSelect} WHERE NOT w.deleted AND ($1::uuid IS NULL OR k.owner_id = $1) ORDER BY k.created_at DESC, k.id DESC LIMIT $2
            """);
        command.With(ownerId).With(limit);
        return await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a build of the workspace passes the provisioner: its task's id and prompt, or nothing.</summary>
    public async Task<(Guid TaskId, string Prompt)?> ForBuildAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, prompt FROM tasks WHERE workspace_id = $1");
        command.With(workspaceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetGuid(0), reader.GetString(1)) : null;
    }

    /// <summary>
    /// Appends messages in order under the task's row lock and announces them; null when the task is
    /// gone. <paramref name="inboxEvent"/> marks them as an inbox event other than a user message (<c>stop</c>).
    /// </summary>
    public async Task<List<TaskMessage>?> AppendAsync(Guid taskId, IReadOnlyList<NewTaskMessage> messages, string? inboxEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long last;
        await using (var bump = new NpgsqlCommand("UPDATE tasks SET last_sequence = last_sequence + $2 WHERE id = $1 RETURNING last_sequence", connection, transaction))
        {
            bump.With(taskId).With((long)messages.Count);
            if (await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long bumped)
            {
                return null;
            }

            last = bumped;
        }

        var stored = new List<TaskMessage>(messages.Count);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var sequence = last - messages.Count;
            foreach (var message in messages)
            {
                sequence++;
                batch.BatchCommands.Add(CommandExtensions.Batch("""
                    INSERT INTO task_messages (task_id, sequence, kind, content, tool_name, inbox_event, created_at, run_observability) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    """, taskId, sequence, WireName<TaskMessageKind>.Name(message.Kind), message.Content, message.ToolName, inboxEvent, now)
                    .WithJson(message.RunObservability is { } summary ? TaskRunRules.Serialize(summary) : null, NpgsqlTypes.NpgsqlDbType.Json));
                stored.Add(new TaskMessage { Sequence = sequence, Kind = message.Kind, Content = message.Content, ToolName = message.ToolName, CreatedAt = now });
            }

            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var outbox = new PubsubOutbox(_logger);
        outbox.Add(Channel(taskId), MessagesPayload);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await outbox.PublishAsync(connection).ConfigureAwait(false);
        foreach (var message in messages)
        {
            if (message.RunObservability is { } summary)
            {
                TaskRunMetrics.Stored(summary);
            }
        }

        return stored;
    }

    /// <summary>Messages after <paramref name="after"/>, oldest first; with <paramref name="inbox"/>, only what the agent's inbox delivers.</summary>
    public async Task<List<(TaskMessage Message, string? InboxEvent)>> ListMessagesAsync(
        Guid taskId, long after, int limit, bool inbox, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT sequence, kind, content, tool_name, created_at, inbox_event FROM task_messages
            WHERE task_id = $1 AND sequence > $2 AND (NOT $4 OR kind = 'user' OR inbox_event IS NOT NULL)
            ORDER BY sequence LIMIT $3
            """);
        command.With(taskId).With(after).With(limit).With(inbox);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var messages = new List<(TaskMessage, string?)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add((new TaskMessage
            {
                Sequence = reader.GetInt64(0),
                Kind = WireName<TaskMessageKind>.Parse(reader.GetString(1)),
                Content = reader.GetString(2),
                ToolName = reader.GetNullableString(3),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
            }, reader.GetNullableString(5)));
        }

        return messages;
    }

    /// <summary>The summary of the task's last run (the newest message that stores one), with that message's sequence.</summary>
    public async Task<(long Sequence, RunObservability Summary)?> LastRunAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT sequence, run_observability::text FROM task_messages
            WHERE task_id = $1 AND run_observability IS NOT NULL ORDER BY sequence DESC LIMIT 1
            """);
        command.With(taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var summary = JsonSerializer.Deserialize(reader.GetString(1), RunObservabilityJsonContext.Default.RunObservability);
        return summary is null ? null : (reader.GetInt64(0), summary);
    }

    /// <summary>
    /// The task's messages for its export, oldest first, read one row at a time (a task may have thousands); with
    /// <paramref name="content"/> false the content is not even read.
    /// </summary>
    public async IAsyncEnumerable<TaskExportRow> ReadForExportAsync(Guid taskId, bool content, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT sequence, kind, CASE WHEN $2 THEN content END, CASE WHEN $2 THEN tool_name END, inbox_event, created_at, run_observability::text
            FROM task_messages WHERE task_id = $1 ORDER BY sequence
            """);
        command.With(taskId).With(content);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new TaskExportRow(
                reader.GetInt64(0),
                WireName<TaskMessageKind>.Parse(reader.GetString(1)),
                reader.GetNullableString(2),
                reader.GetNullableString(3),
                reader.GetNullableString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetNullableString(6));
        }
    }

    /// <summary>
    /// The task's run summaries (or, with <paramref name="incidents"/>, the incidents in them) as stored, by session
    /// and message id (spec §10.2), one row at a time.
    /// </summary>
    public async IAsyncEnumerable<string> ReadRunsForExportAsync(Guid taskId, bool incidents, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {(incidents ? "(run_observability -> 'incident')::text" : "run_observability::text")} FROM task_messages
            WHERE task_id = $1 AND run_observability IS NOT NULL {(incidents ? "AND json_typeof(run_observability -> 'incident') = 'object'" : string.Empty)}
            ORDER BY run_observability ->> 'session_id' COLLATE "C", run_observability ->> 'message_id' COLLATE "C", sequence
            """);
        command.With(taskId);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.GetString(0);
        }
    }

    /// <summary>Records the agent's report, counted for the build its agent belongs to; false when the task is gone.</summary>
    public async Task<bool> ReportAsync(Guid taskId, Guid agentBuildId, AiTaskStatus status, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            UPDATE tasks SET agent_status = $2, agent_reason = $3, agent_build_number = (SELECT build_number FROM workspace_builds WHERE id = $4), updated_at = $5
            WHERE id = $1
            """, connection);
        command.With(taskId).With(WireName<AiTaskStatus>.Name(status)).With(reason).With(agentBuildId).With(time.GetUtcNow());
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        var outbox = new PubsubOutbox(_logger);
        outbox.Add(Channel(taskId), StatusPayload);
        await outbox.PublishAsync(connection).ConfigureAwait(false);
        return true;
    }

    /// <summary>In a delete build's completion: the workspace is gone, so is its task (messages cascade).</summary>
    public static NpgsqlBatchCommand DeleteForWorkspaceCommand(Guid workspaceId) =>
        CommandExtensions.Batch("DELETE FROM tasks WHERE workspace_id = $1", workspaceId);

    private static async Task<List<TaskRow>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<TaskRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (status, reason) = TaskStatusRules.Derive(new TaskStatusInputs(
                WireName<WorkspaceTransition>.Parse(reader.GetString(13)),
                WireName<ProvisionerJobStatus>.Parse(reader.GetString(14)),
                reader.GetNullableString(15),
                reader.GetInt32(12),
                reader.IsDBNull(7) ? null : WireName<AiTaskStatus>.Parse(reader.GetString(7)),
                reader.GetNullableString(8),
                reader.GetNullable<int>(9)));
            rows.Add(new TaskRow(new AiTask
            {
                Id = reader.GetGuid(0),
                OwnerId = reader.GetGuid(1),
                OwnerName = reader.GetString(2),
                WorkspaceId = reader.GetGuid(3),
                WorkspaceName = reader.GetString(4),
                TemplateName = reader.GetString(5),
                Prompt = reader.GetString(6),
                Status = status,
                StatusReason = reason,
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(10),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(11),
            }, reader.GetInt64(16)));
        }

        return rows;
    }
}
