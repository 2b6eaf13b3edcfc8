using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Secrets;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Timeline;

/// <summary>
/// <c>GET /api/v2/workspaces/{id}/support/agent-logs?lines=</c> (issue 24, support bundles): the newest lines of each
/// agent's stored script output, with every value the server knows to be private replaced before it leaves: the
/// owner's secret values, the task's prompt and every message of its conversation. Who may read the workspace's agents
/// may read it (its owner; admins and owners for every workspace); anyone else gets 404. When the owner's secrets
/// cannot be read the logs are withheld (503), never sent unredacted.
/// </summary>
internal static partial class SupportLogsEndpoints
{
    /// <summary>Values shorter than this are not searched for (a one-letter secret would blank every line).</summary>
    public const int MinRedactedLength = 4;

    public static IEndpointRouteBuilder MapSupportLogs(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/workspaces/{id:guid}/support/agent-logs", static async Task<Results<JsonHttpResult<WorkspaceSupportLogs>, ProblemHttpResult>> (
            Guid id, int? lines, HttpContext http, WorkspaceStore workspaces, NpgsqlDataSource dataSource, UserSecretStore secrets, ILoggerFactory loggers,
            CancellationToken cancellationToken) =>
        {
            if (lines is < 1 or > SupportLogsApi.MaxLines)
            {
                return Problems.BadField("lines", $"lines must be between 1 and {SupportLogsApi.MaxLines}", ProblemCodes.ValidationFailed);
            }

            var workspace = await workspaces.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (workspace is null || !http.GetSubject().Can(ResourceType.WorkspaceAgent, PermissionAction.Read, workspace.OwnerId))
            {
                return Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound);
            }

            List<string> withheld;
            try
            {
                withheld = [.. (await secrets.ListForBuildAsync(workspace.OwnerId, cancellationToken).ConfigureAwait(false)).Select(static s => s.Value)];
            }
            catch (Exception e) when (e is SecretDecryptionException or NpgsqlException)
            {
                Log.LogsWithheld(loggers.CreateLogger(Category), id, e.Message);
                return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                    "the owner's secrets could not be read, so the agent logs cannot be redacted and are withheld", ProblemCodes.Unavailable);
            }

            withheld.AddRange(await TaskTextsAsync(dataSource, id, cancellationToken).ConfigureAwait(false));
            var redactor = new Redactor(withheld);
            var logs = await ReadAsync(dataSource, id, lines ?? SupportLogsApi.DefaultLines, redactor, cancellationToken).ConfigureAwait(false);
            Log.LogsRead(loggers.CreateLogger(Category), id, logs.Agents.Sum(a => a.Lines.Count), logs.Agents.Sum(a => a.Redactions));
            return TypedResults.Json(logs, SupportLogsJsonContext.Default.WorkspaceSupportLogs);
        }).RequireAuthorization(CallerPolicies.User).WithTags("Workspaces").WithName("GetWorkspaceSupportLogs")
          .Produces<WorkspaceSupportLogs>(StatusCodes.Status200OK)
          .RequirePermission(ResourceType.WorkspaceAgent, PermissionAction.Read)
          .DocumentsProblem(StatusCodes.Status503ServiceUnavailable, ProblemCodes.Unavailable)
          .WithSummary("The newest lines of each agent's logs (lines, default 1000, at most 5000) with the owner's secret values, the task's prompt and its conversation redacted, for support bundles.");
        return routes;
    }

    private const string Category = "Outpost.Server.Deployment";

    /// <summary>The prompt and every message of the workspace's task, if it has one.</summary>
    private static async Task<List<string>> TaskTextsAsync(NpgsqlDataSource dataSource, Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.prompt FROM tasks t WHERE t.workspace_id = $1
            UNION ALL
            SELECT m.content FROM task_messages m JOIN tasks t ON t.id = m.task_id WHERE t.workspace_id = $1
            """);
        command.With(workspaceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var texts = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            texts.Add(reader.GetString(0));
        }

        return texts;
    }

    private static async Task<WorkspaceSupportLogs> ReadAsync(NpgsqlDataSource dataSource, Guid workspaceId, int lines, Redactor redactor, CancellationToken cancellationToken)
    {
        var agents = new List<(Guid Id, string Name, int Build, long Total)>();
        await using (var command = dataSource.CreateCommand("""
            SELECT a.id, a.name, b.build_number, (SELECT count(*) FROM agent_logs l WHERE l.agent_id = a.id)
            FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
            WHERE b.workspace_id = $1 AND b.build_number = (
                SELECT max(b2.build_number) FROM workspace_agents a2 JOIN workspace_builds b2 ON b2.id = a2.build_id WHERE b2.workspace_id = $1)
            ORDER BY a.name
            """))
        {
            command.With(workspaceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                agents.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3)));
            }
        }

        var result = new List<SupportAgentLog>();
        foreach (var agent in agents)
        {
            await using var command = dataSource.CreateCommand(
                "SELECT id, created_at, level, source, output FROM (SELECT * FROM agent_logs WHERE agent_id = $1 ORDER BY id DESC LIMIT $2) newest ORDER BY id");
            command.With(agent.Id).With(lines);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var entries = new List<AgentLogEntry>();
            var redactions = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (output, replaced) = redactor.Redact(reader.GetString(4));
                redactions += replaced;
                entries.Add(new AgentLogEntry
                {
                    Id = reader.GetInt64(0),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(1),
                    Level = WireName<ProvisionerLogLevel>.Parse(reader.GetString(2)),
                    Source = reader.GetString(3),
                    Output = output,
                });
            }

            result.Add(new SupportAgentLog { AgentId = agent.Id, Name = agent.Name, TotalLines = agent.Total, Redactions = redactions, Lines = entries });
        }

        return new WorkspaceSupportLogs { WorkspaceId = workspaceId, BuildNumber = agents.Count == 0 ? null : agents[0].Build, MaxLines = lines, Agents = result };
    }

    /// <summary>
    /// Replaces withheld values in a line: each value whole, and each line of a multi-line value (a prompt echoed line
    /// by line), longest first so a value containing another is replaced whole.
    /// </summary>
    internal sealed class Redactor
    {
        private readonly string[] _values;

        public Redactor(IEnumerable<string> values) =>
            _values = [.. values.SelectMany(static v => v.Split('\n').Select(static l => l.Trim()).Append(v))
                .Where(static v => v.Length >= MinRedactedLength).Distinct(StringComparer.Ordinal).OrderByDescending(static v => v.Length)];

        public (string Text, int Replaced) Redact(string text)
        {
            var replaced = 0;
            foreach (var value in _values)
            {
                var index = text.IndexOf(value, StringComparison.Ordinal);
                while (index >= 0)
                {
                    text = string.Concat(text.AsSpan(0, index), SupportLogsApi.Redacted, text.AsSpan(index + value.Length));
                    replaced++;
                    index = text.IndexOf(value, index + SupportLogsApi.Redacted.Length, StringComparison.Ordinal);
                }
            }

            return (text, replaced);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Deployment + 3, Level = LogLevel.Information,
            Message = "Support logs of workspace {WorkspaceId} read: {Lines} lines, {Redactions} values redacted")]
        public static partial void LogsRead(ILogger logger, Guid workspaceId, int lines, int redactions);

        [LoggerMessage(EventId = OutpostEventIds.Deployment + 4, Level = LogLevel.Warning,
            Message = "Support logs of workspace {WorkspaceId} withheld: the owner's secrets could not be read ({Reason})")]
        public static partial void LogsWithheld(ILogger logger, Guid workspaceId, string reason);
    }
}
