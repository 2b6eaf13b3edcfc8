using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;
using Outpost.Server.Database;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;

namespace Outpost.Server.Tasks;

/// <summary>
/// <c>GET {agent prefix}/task/conversation</c> (agent token, on the agent task group): what a task agent that starts
/// again — the workspace restarted, the agent process was replaced — resumes from, so it neither runs the prompt twice
/// nor forgets what was said.
/// </summary>
internal static class AgentTaskConversationEndpoint
{
    /// <summary>The most content characters the answer carries (the agent's own conversation bound is 256 KiB).</summary>
    public const int MaxChars = 512 * 1024;

    /// <summary>The most messages the answer carries.</summary>
    public const int MaxMessages = 2000;

    /// <summary>Maps the route on the agent task group, which requires the agent's token.</summary>
    public static RouteGroupBuilder MapAgentTaskConversation(this RouteGroupBuilder task)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.MapGet("/conversation", static async Task<Results<Ok<AgentTaskConversation>, ProblemHttpResult>> (
            AuthenticatedAgent caller, TaskStore store, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        {
            var row = await store.GetByWorkspaceAsync(caller.Agent.WorkspaceId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return Problems.NotFound($"workspace \"{caller.Agent.WorkspaceName}\" has no task", ProblemCodes.TaskNotFound);
            }

            return TypedResults.Ok(await ReadAsync(dataSource, row.Task.Id, cancellationToken).ConfigureAwait(false));
        }).WithName("GetAgentTaskConversation").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("The conversation so far (bounded, the prompt always first) and resume_after: the inbox holds new work only after it.");
        return task;
    }

    /// <summary>One snapshot: the resume point, the agent's last report and the messages up to the resume point.</summary>
    public static async Task<AgentTaskConversation> ReadAsync(NpgsqlDataSource dataSource, Guid taskId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // One repeatable-read snapshot, so the resume point and the messages agree.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        long resumeAfter;
        AiTaskStatus? lastStatus = null;
        string? lastReason = null;
        await using (var head = new NpgsqlCommand("""
            SELECT k.agent_status, k.agent_reason,
                   coalesce((SELECT max(m.sequence) FROM task_messages m WHERE m.task_id = k.id AND (m.kind <> 'user' OR m.inbox_event IS NOT NULL)), 0)
            FROM tasks k WHERE k.id = $1
            """, connection, transaction))
        {
            head.With(taskId);
            await using var reader = await head.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new AgentTaskConversation { Messages = [], ResumeAfter = 0 };
            }

            if (!reader.IsDBNull(0))
            {
                lastStatus = WireName<AiTaskStatus>.Parse(reader.GetString(0));
            }

            lastReason = reader.GetNullableString(1);
            resumeAfter = reader.GetInt64(2);
        }

        var messages = new List<TaskMessage>();
        long kept = 0;
        await using (var list = new NpgsqlCommand("""
            SELECT sequence, kind, content, tool_name, created_at FROM (
                SELECT sequence, kind, content, tool_name, created_at,
                       count(*) OVER (ORDER BY sequence DESC) AS n,
                       sum(length(content)) OVER (ORDER BY sequence DESC) AS total
                FROM task_messages WHERE task_id = $1 AND sequence <= $2 AND inbox_event IS NULL) m
            WHERE (n <= $3 AND total <= $4) OR sequence = 1
            ORDER BY sequence
            """, connection, transaction))
        {
            list.With(taskId).With(resumeAfter).With((long)MaxMessages).With((long)MaxChars);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                messages.Add(new TaskMessage
                {
                    Sequence = reader.GetInt64(0),
                    Kind = WireName<TaskMessageKind>.Parse(reader.GetString(1)),
                    Content = reader.GetString(2),
                    ToolName = reader.GetNullableString(3),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                });
                kept++;
            }
        }

        long stored;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM task_messages WHERE task_id = $1 AND sequence <= $2 AND inbox_event IS NULL", connection, transaction))
        {
            count.With(taskId).With(resumeAfter);
            stored = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new AgentTaskConversation { Messages = messages, ResumeAfter = resumeAfter, Truncated = kept < stored, LastStatus = lastStatus, LastReason = lastReason };
    }
}
