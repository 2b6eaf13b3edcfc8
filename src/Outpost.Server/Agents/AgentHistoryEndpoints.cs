using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Agents;

/// <summary>What the agent API recorded, for people and timelines: control-plane connections, lifecycle history, logs.</summary>
internal static class AgentHistoryEndpoints
{
    public static IEndpointRouteBuilder MapAgentHistoryEndpoints(this IEndpointRouteBuilder routes)
    {
        var agents = routes.MapGroup("/api/v2/workspaceagents/{id:guid}").WithTags("Workspaces")
            .RequirePermission(ResourceType.WorkspaceAgent, PermissionAction.Read);

        agents.MapGet("connections", ListConnectionsAsync)
            .WithName("ListAgentControlPlaneConnections").WithSummary("Every control-plane connection of the agent, with why it ended (seed 001).");

        // The milestone-1 route, kept so existing clients keep working; "session" now means a login session.
        agents.MapGet("sessions", ListConnectionsAsync)
            .WithName("ListAgentControlPlaneSessions").WithSummary("The same as connections (the milestone-1 name).");

        agents.MapGet("lifecycle", static async Task<Results<Ok<List<AgentLifecycleEvent>>, ProblemHttpResult>> (
            Guid id, HttpContext http, AgentHistoryStore store, CancellationToken cancellationToken) =>
            await CanReadAsync(id, http, store, cancellationToken).ConfigureAwait(false) is { } problem
                ? problem
                : TypedResults.Ok(await store.LifecycleAsync(id, cancellationToken).ConfigureAwait(false)))
            .WithName("ListAgentLifecycle").WithSummary("The agent's lifecycle changes with the agent's and the server's times.");

        agents.MapGet("logs", static async Task<Results<Ok<List<AgentLogEntry>>, ProblemHttpResult>> (
            Guid id, long? after, int? limit, HttpContext http, AgentHistoryStore store, CancellationToken cancellationToken) =>
            await CanReadAsync(id, http, store, cancellationToken).ConfigureAwait(false) is { } problem
                ? problem
                : TypedResults.Ok(await store.LogsAsync(id, after ?? 0, Math.Clamp(limit ?? 1000, 1, 1000), cancellationToken).ConfigureAwait(false)))
            .WithName("ListAgentLogs").WithSummary("The agent's stored script output, oldest first, after the given id (at most 1,000 lines).");

        return routes;
    }

    private static async Task<Results<Ok<List<ControlPlaneConnection>>, ProblemHttpResult>> ListConnectionsAsync(
        Guid id, HttpContext http, AgentHistoryStore store, CancellationToken cancellationToken) =>
        await CanReadAsync(id, http, store, cancellationToken).ConfigureAwait(false) is { } problem
            ? problem
            : TypedResults.Ok(await store.ConnectionsAsync(id, cancellationToken).ConfigureAwait(false));

    private static async Task<ProblemHttpResult?> CanReadAsync(Guid id, HttpContext http, AgentHistoryStore store, CancellationToken cancellationToken)
    {
        var owner = await store.OwnerOfAsync(id, cancellationToken).ConfigureAwait(false);
        return owner is null || !http.GetSubject().Can(ResourceType.WorkspaceAgent, PermissionAction.Read, owner.Value)
            ? Problems.NotFound($"there is no workspace agent {id}", ProblemCodes.AgentNotFound)
            : null;
    }
}
