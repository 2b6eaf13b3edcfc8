using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Server.Http;

namespace Outpost.Server.Agents;

/// <summary>The workspace agent API (<see cref="AgentApi"/>), authenticated with the agent's own token.</summary>
internal static class AgentApiEndpoints
{
    public static IEndpointRouteBuilder MapAgentApiEndpoints(this IEndpointRouteBuilder routes)
    {
        // Agent tokens are not user credentials: the group skips user authentication and checks its own.
        var api = routes.MapGroup(AgentApi.Prefix).WithTags("Workspace agent API").AllowAnonymous();

        api.MapGet("manifest", static async Task<Results<Ok<AgentManifest>, ProblemHttpResult>> (
            HttpContext http, AgentStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var (agent, problem) = await AuthenticateAsync(http, store, loggers, cancellationToken).ConfigureAwait(false);
            return agent is null ? problem! : TypedResults.Ok(ManifestOf(agent));
        }).WithName("GetAgentManifest");

        api.MapPost("logs", static async Task<Results<NoContent, ProblemHttpResult>> (
            AgentLogsRequest request, HttpContext http, AgentStore store, AgentApiOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var (agent, problem) = await AuthenticateAsync(http, store, loggers, cancellationToken).ConfigureAwait(false);
            if (agent is null)
            {
                return problem!;
            }

            if (request.Logs.Count > options.MaxLogLinesPerRequest)
            {
                return Problems.TooLarge($"at most {options.MaxLogLinesPerRequest} log lines a request; this one had {request.Logs.Count}");
            }

            var (_, dropped) = await store.AppendLogsAsync(agent.Id, request.Logs, options.MaxLogBytesPerAgent, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            if (dropped > 0)
            {
                AgentApiLog.LogsOverflowed(loggers.CreateLogger(AgentApiLog.Category), agent.Id, options.MaxLogBytesPerAgent, dropped);
            }

            // Lines past the limit are acknowledged too: the agent must not hold its scripts back for them.
            return TypedResults.NoContent();
        }).WithName("PostAgentLogs");

        api.Map("rpc", static async (HttpContext http, AgentStore store, ControlPlaneHub hub, ILoggerFactory loggers) =>
        {
            var (agent, problem) = await AuthenticateAsync(http, store, loggers, http.RequestAborted).ConfigureAwait(false);
            if (agent is null)
            {
                return problem!;
            }

            if (!http.WebSockets.IsWebSocketRequest)
            {
                return Problems.BadRequest("the control plane is a WebSocket: send an upgrade request", ProblemCodes.InvalidRequest);
            }

            using var socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await hub.RunAsync(socket, agent, http.RequestAborted).ConfigureAwait(false);
            return Results.Empty;
        }).WithName("AgentControlPlane");

        return routes;
    }

    private static async Task<(AgentRecord? Agent, ProblemHttpResult? Problem)> AuthenticateAsync(HttpContext http, AgentStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        var agent = token.Length == 0 ? null : await store.FindByTokenAsync(token, cancellationToken).ConfigureAwait(false);
        string? refusal = token.Length == 0 ? "no agent token (Authorization: Bearer <token>)"
            : agent is null ? "agent token not found"
            : agent.WorkspaceDeleted ? "the agent's workspace has been deleted"
            : null;
        if (refusal is null)
        {
            return (agent, null);
        }

        AgentApiLog.Refused(loggers.CreateLogger(AgentApiLog.Category), http.Request.Path, http.Connection.RemoteIpAddress?.ToString() ?? "unknown", refusal);
        return (null, Problems.Unauthorized(refusal, ProblemCodes.AgentTokenInvalid));
    }

    private static AgentManifest ManifestOf(AgentRecord agent) => new()
    {
        AgentId = agent.Id,
        AgentName = agent.Name,
        WorkspaceId = agent.WorkspaceId,
        WorkspaceName = agent.WorkspaceName,
        OwnerName = agent.OwnerName,
        BuildId = agent.BuildId,
        Directory = agent.Directory,
        Environment = agent.EnvironmentJson is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize(agent.EnvironmentJson, OutpostJsonContext.Default.DictionaryStringString) ?? [],
        Scripts = JsonSerializer.Deserialize(agent.ScriptsJson, OutpostJsonContext.Default.ListAgentScript) ?? [],
        Apps = JsonSerializer.Deserialize(agent.AppsJson, OutpostJsonContext.Default.ListAgentApp) ?? [],
    };
}
