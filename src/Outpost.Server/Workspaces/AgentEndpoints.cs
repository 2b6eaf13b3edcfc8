using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Agents;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Workspaces;

/// <summary>Reads of the agents builds recorded (never their token hashes).</summary>
internal static class AgentEndpoints
{
    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/workspaceagents/{id:guid}", static async Task<Results<Ok<WorkspaceAgent>, ProblemHttpResult>> (
            Guid id, HttpContext http, AgentStore agents, TimeProvider time, AgentApiOptions agentApi, CancellationToken cancellationToken) =>
        {
            var found = await agents.FindAsync(id, cancellationToken).ConfigureAwait(false);
            return found is not { } agent || !http.GetSubject().Can(ResourceType.WorkspaceAgent, PermissionAction.Read, agent.OwnerId)
                ? Problems.NotFound($"there is no workspace agent {id}", ProblemCodes.AgentNotFound)
                : TypedResults.Ok(AgentStatusRules.WithStatus(agent.Agent, time.GetUtcNow(), agentApi.InactivityTimeout));
        }).WithTags("Workspaces").WithName("GetWorkspaceAgent").WithSummary("A workspace agent with its derived status (connecting, connected, disconnected, timeout), lifecycle state and version.").RequirePermission(ResourceType.WorkspaceAgent, PermissionAction.Read);

        routes.MapGet("/api/v2/workspaces/{id:guid}/agents", static async Task<Results<Ok<List<WorkspaceAgent>>, ProblemHttpResult>> (
            Guid id, HttpContext http, WorkspaceStore store, AgentStore agents, TimeProvider time, AgentApiOptions agentApi, CancellationToken cancellationToken) =>
        {
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (workspace is null || !http.GetSubject().Can(ResourceType.WorkspaceAgent, PermissionAction.Read, workspace.OwnerId))
            {
                return Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound);
            }

            return TypedResults.Ok(await agents.ListByBuildAsync(workspace.LatestBuild.Id, time.GetUtcNow(), agentApi.InactivityTimeout, cancellationToken).ConfigureAwait(false));
        }).WithTags("Workspaces").WithName("ListWorkspaceAgents").WithSummary("The agents of the workspace's latest build.")
          .RequirePermission(ResourceType.WorkspaceAgent, PermissionAction.Read);

        return routes;
    }
}
