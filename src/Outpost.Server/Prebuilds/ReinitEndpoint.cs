using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Prebuilds;

/// <summary>
/// <c>GET /api/v2/workspaceagents/me/reinit</c> (SSE, agent token): tells the agent of a prebuilt
/// workspace to reinitialise once it is claimed. Seed 003's durable check, in its order: subscribe
/// to the claim channel first, then read the database, so a claim landing between the two is never
/// lost; a workspace whose first build the prebuilds user did not start gets 409 (the agent stops
/// asking); a claimed one whose claim build completed gets its event at once; one whose claim build
/// runs, or not yet claimed, waits for the announcement (re-reading the database every 30 s in case
/// it was lost). One event, then the stream ends.
/// </summary>
internal static class ReinitEndpoint
{
    public static IEndpointRouteBuilder MapReinitEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup(AgentApi.Prefix).WithTags("Workspace agent API").RequireAuthorization(CallerPolicies.WorkspaceAgent)
            .MapGet(ReinitializationEvent.Route, static async Task<IResult> (
                AuthenticatedAgent caller, IPubsub pubsub, WorkspaceStore workspaces, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken) =>
            {
                var agent = caller.Agent;
                var logger = loggers.CreateLogger(PrebuildsLog.Category);
                var subscription = await pubsub.SubscribeAsync(PrebuiltWorkspaces.ClaimChannel(agent.WorkspaceId), cancellationToken).ConfigureAwait(false);
                try
                {
                    var state = await workspaces.GetReinitStateAsync(agent.WorkspaceId, cancellationToken).ConfigureAwait(false);
                    if (state?.FirstInitiatorId != PrebuiltWorkspaces.SystemUserId)
                    {
                        await subscription.DisposeAsync().ConfigureAwait(false);
                        PrebuildsLog.NotAPrebuild(logger, agent.Id, agent.WorkspaceId);
                        return Problems.Conflict($"workspace {agent.WorkspaceId} was not created as a prebuild: it is never reinitialised; stop asking", ProblemCodes.NotAPrebuild);
                    }

                    return ServerSentEventStream.CreateFromJson(EventsAsync(subscription, state, agent.Id, agent.WorkspaceId, workspaces, time, logger, CancellationToken.None), time);
                }
                catch
                {
                    await subscription.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }).WithName("AgentReinit").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.NotAPrebuild)
            .WithSummary("SSE: one `reinit` event (JSON: workspace_id, reason, owner_id) once the agent's prebuilt workspace is claimed and its claim build completed; 409 for a workspace not created as a prebuild.");
        return routes;
    }

    /// <summary>True when the durable state already says the claim is done.</summary>
    private static bool ClaimCompleted(ReinitState state) =>
        state.OwnerId != PrebuiltWorkspaces.SystemUserId && state.ClaimStatus == ProvisionerJobStatus.Succeeded;

    private static async IAsyncEnumerable<SseItem<string>> EventsAsync(
        PubsubSubscription subscription, ReinitState state, Guid agentId, Guid workspaceId, WorkspaceStore workspaces, TimeProvider time, ILogger logger,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (subscription.ConfigureAwait(false))
        {
            // Sent at once so the response starts: the agent (and a test) knows the server has subscribed.
            yield return new SseItem<string>(string.Empty, ServerSentEventStream.PingEventType);
            while (!ClaimCompleted(state))
            {
                if (!await subscription.WaitToReadOrRecheckAsync(PubsubSubscription.RecheckInterval, time, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                if (subscription.Reader.TryRead(out var message) && !message.IsDropped)
                {
                    var announced = ReinitializationEvent.Parse(message.Payload!, workspaceId);
                    PrebuildsLog.ReinitSent(logger, agentId, workspaceId, announced.OwnerId, "announcement");
                    yield return new SseItem<string>(announced.ToJson(), ReinitializationEvent.EventName);
                    yield break;
                }

                // Timed out, or the queue overflowed: the database says whether the claim is done.
                state = await workspaces.GetReinitStateAsync(workspaceId, cancellationToken).ConfigureAwait(false) ?? state;
            }

            PrebuildsLog.ReinitSent(logger, agentId, workspaceId, state.OwnerId, "durable check");
            var durable = new ReinitializationEvent { WorkspaceId = workspaceId, OwnerId = state.OwnerId, Reason = ReinitializationReason.PrebuildClaimed };
            yield return new SseItem<string>(durable.ToJson(), ReinitializationEvent.EventName);
        }
    }
}
