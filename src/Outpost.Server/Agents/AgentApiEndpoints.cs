using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Secrets;

namespace Outpost.Server.Agents;

/// <summary>The workspace agent API (<see cref="AgentApi"/>), authenticated with the agent's own token.</summary>
internal static class AgentApiEndpoints
{
    public static IEndpointRouteBuilder MapAgentApiEndpoints(this IEndpointRouteBuilder routes)
    {
        // Agent tokens are not user credentials: the group authenticates with the agent scheme only.
        var api = routes.MapGroup(AgentApi.Prefix).WithTags("Workspace agent API").RequireAuthorization(CallerPolicies.WorkspaceAgent);

        api.MapGet("manifest", static async Task<Results<Ok<AgentManifest>, ProblemHttpResult>> (
            HttpContext http, AuthenticatedAgent caller, AgentStore store, SecretProtector protector, Sessions.DirectTicketKeys directKeys, CancellationToken cancellationToken) =>
        {
            // Agents before the version header send none; their version stays unknown (empty).
            if (http.Request.Headers[AgentApi.VersionHeader] is { Count: > 0 } header)
            {
                var version = header.ToString();
                if (version.Length is 0 or > AgentApi.MaxVersionLength || version.Any(static c => char.IsControl(c) || char.IsWhiteSpace(c)))
                {
                    return Problems.BadRequest(
                        $"the {AgentApi.VersionHeader} header must be 1–{AgentApi.MaxVersionLength} printable characters without spaces", ProblemCodes.ValidationFailed);
                }

                await store.RecordVersionAsync(caller.Agent.Id, version, cancellationToken).ConfigureAwait(false);
            }

            if (http.Request.Headers[AgentApi.DirectAddressHeader] is { Count: > 0 } direct)
            {
                if (Sessions.DirectTicketKeys.AddressProblem(direct.ToString()) is { } problem)
                {
                    return Problems.BadRequest($"the {AgentApi.DirectAddressHeader} header: {problem}", ProblemCodes.ValidationFailed);
                }

                await store.RecordDirectAddressAsync(caller.Agent.Id, direct.ToString(), cancellationToken).ConfigureAwait(false);
            }

            Dictionary<string, string> environment;
            try
            {
                environment = AgentEnvironments.Unprotect(protector, caller.Agent.Id, caller.Agent.EnvironmentCiphertext, caller.Agent.EnvironmentJson);
            }
            catch (SecretDecryptionException ex)
            {
                return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Environment unavailable",
                    $"the agent's environment is stored encrypted and could not be opened: {ex.Message}", ProblemCodes.SecretsUnavailable);
            }

            return TypedResults.Ok(ManifestOf(caller.Agent, environment) with { DirectTicketPublicKey = directKeys.PublicKey });
        }).WithName("GetAgentManifest").DocumentsProblem(StatusCodes.Status503ServiceUnavailable, ProblemCodes.SecretsUnavailable).WithSummary("The calling agent's manifest: its directory, environment, scripts and apps; records the version the agent reports.");

        api.MapPost("logs", static async Task<Results<NoContent, ProblemHttpResult>> (
            AgentLogsRequest request, AuthenticatedAgent caller, AgentStore store, AgentApiOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var agent = caller.Agent;
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
        }).WithName("PostAgentLogs").WithSummary("Appends script output lines; lines past the per-agent limit are acknowledged and dropped.");

        api.Map("rpc", static async (HttpContext http, AuthenticatedAgent caller, ControlPlaneHub hub) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                return Problems.BadRequest("the control plane is a WebSocket: send an upgrade request", ProblemCodes.InvalidRequest);
            }

            using var socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await hub.RunAsync(socket, caller.Agent, http.RequestAborted).ConfigureAwait(false);
            return Results.Empty;
        }).WithName("AgentControlPlane");

        return routes;
    }

    private static AgentManifest ManifestOf(AgentRecord agent, Dictionary<string, string> environment) => new()
    {
        AgentId = agent.Id,
        AgentName = agent.Name,
        WorkspaceId = agent.WorkspaceId,
        WorkspaceName = agent.WorkspaceName,
        OwnerName = agent.OwnerName,
        BuildId = agent.BuildId,
        Directory = agent.Directory,
        Environment = environment,
        Scripts = JsonSerializer.Deserialize(agent.ScriptsJson, OutpostJsonContext.Default.ListAgentScript) ?? [],
        Apps = JsonSerializer.Deserialize(agent.AppsJson, OutpostJsonContext.Default.ListAgentApp) ?? [],
    };
}
