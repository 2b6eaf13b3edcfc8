using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Agents;
using Outpost.Server.Database;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Workspaces;

/// <summary>Reads of the agents builds recorded (never their token hashes).</summary>
internal static class AgentEndpoints
{
    private const string AgentSelect = """
        SELECT a.id, a.build_id, b.workspace_id, r.name, a.name, a.directory, a.operating_system, a.architecture, a.environment_variables,
               a.scripts, a.apps, a.connection_timeout_seconds, a.lifecycle_state, a.first_connected_at, a.last_connected_at,
               a.disconnected_at, a.created_at, w.owner_id
        FROM workspace_agents a
        JOIN workspace_builds b ON b.id = a.build_id
        JOIN workspace_resources r ON r.id = a.resource_id
        JOIN workspaces w ON w.id = b.workspace_id
        """;

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/workspaceagents/{id:guid}", static async Task<Results<Ok<WorkspaceAgent>, ProblemHttpResult>> (
            Guid id, HttpContext http, NpgsqlDataSource dataSource, TimeProvider time, AgentApiOptions agentApi, CancellationToken cancellationToken) =>
        {
            var agents = await QueryAsync(dataSource, $"{AgentSelect} WHERE a.id = $1", id, cancellationToken).ConfigureAwait(false);
            return agents.Count == 0 || !http.GetSubject().Can(ResourceType.WorkspaceAgent, PermissionAction.Read, agents[0].OwnerId)
                ? Problems.NotFound($"there is no workspace agent {id}", ProblemCodes.AgentNotFound)
                : TypedResults.Ok(AgentStatusRules.WithStatus(agents[0].Agent, time.GetUtcNow(), agentApi.InactivityTimeout));
        }).WithTags("Workspaces").WithName("GetWorkspaceAgent").WithSummary("A workspace agent with its derived status (connecting, connected, disconnected, timeout) and lifecycle state.").RequirePermission(ResourceType.WorkspaceAgent, PermissionAction.Read);

        routes.MapGet("/api/v2/workspaces/{id:guid}/agents", static async Task<Results<Ok<List<WorkspaceAgent>>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, NpgsqlDataSource dataSource, TimeProvider time, AgentApiOptions agentApi, CancellationToken cancellationToken) =>
        {
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (workspace is null || !http.GetSubject().Can(ResourceType.WorkspaceAgent, PermissionAction.Read, workspace.OwnerId))
            {
                return Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound);
            }

            return TypedResults.Ok(await LatestBuildAgentsAsync(dataSource, workspace, time.GetUtcNow(), agentApi.InactivityTimeout, cancellationToken).ConfigureAwait(false));
        }).WithTags("Workspaces").WithName("ListWorkspaceAgents").WithSummary("The agents of the workspace's latest build.")
          .RequirePermission(ResourceType.WorkspaceAgent, PermissionAction.Read);

        return routes;
    }

    /// <summary>The agents of the workspace's latest build, with their status, by resource and name.</summary>
    public static async Task<List<WorkspaceAgent>> LatestBuildAgentsAsync(
        NpgsqlDataSource dataSource, Workspace workspace, DateTimeOffset now, TimeSpan inactivityTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var agents = await QueryAsync(dataSource, $"{AgentSelect} WHERE a.build_id = $1 ORDER BY r.name, a.name", workspace.LatestBuild.Id, cancellationToken).ConfigureAwait(false);
        return agents.ConvertAll(a => AgentStatusRules.WithStatus(a.Agent, now, inactivityTimeout));
    }

    private static async Task<List<(WorkspaceAgent Agent, Guid OwnerId)>> QueryAsync(NpgsqlDataSource dataSource, string sql, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.With(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var agents = new List<(WorkspaceAgent, Guid)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            agents.Add((new WorkspaceAgent
            {
                Id = reader.GetGuid(0),
                BuildId = reader.GetGuid(1),
                WorkspaceId = reader.GetGuid(2),
                ResourceName = reader.GetString(3),
                Name = reader.GetString(4),
                Directory = reader.GetString(5),
                OperatingSystem = reader.GetString(6),
                Architecture = reader.GetString(7),
                Environment = reader.IsDBNull(8) ? new Dictionary<string, string>() : JsonSerializer.Deserialize(reader.GetString(8), OutpostJsonContext.Default.DictionaryStringString)!,
                Scripts = JsonSerializer.Deserialize(reader.GetString(9), OutpostJsonContext.Default.ListAgentScript) ?? [],
                Apps = JsonSerializer.Deserialize(reader.GetString(10), OutpostJsonContext.Default.ListAgentApp) ?? [],
                ConnectionTimeoutSeconds = reader.GetInt32(11),
                LifecycleState = WireName<AgentLifecycleState>.Parse(reader.GetString(12)),
                FirstConnectedAt = reader.GetNullable<DateTimeOffset>(13),
                LastConnectedAt = reader.GetNullable<DateTimeOffset>(14),
                DisconnectedAt = reader.GetNullable<DateTimeOffset>(15),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(16),
            }, reader.GetGuid(17)));
        }

        return agents;
    }
}
