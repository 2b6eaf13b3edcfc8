using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Agents;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;

namespace Outpost.Server.Workspaces;

/// <summary>Server-Sent Event watches of one workspace and of every visible workspace's builds.</summary>
internal static class WatchEndpoints
{
    /// <summary>The watch-all event type of a <see cref="WorkspaceAgentUpdate"/>.</summary>
    public const string AgentEventType = "agent";

    public static IEndpointRouteBuilder MapWatchEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/workspaces/{id:guid}/watch", static async Task<IResult> (
            Guid id, HttpContext http, WorkspaceStore store, AgentStore agentStore, AgentApiOptions agentApi, IPubsub pubsub, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (workspace is null || !http.GetSubject().Can(ResourceType.Workspace, PermissionAction.Read, workspace.OwnerId))
            {
                return Problems.NotFound($"there is no workspace {id}", ProblemCodes.WorkspaceNotFound);
            }

            var subscription = await pubsub.SubscribeAsync(JobEvents.WorkspaceChannel(id), cancellationToken).ConfigureAwait(false);
            var agents = new WatchedAgents(agentStore, agentApi.InactivityTimeout);
            return ServerSentEventStream.Create(WatchOneAsync(subscription, id, store, agents, time, CancellationToken.None), OutpostJsonContext.Default.Workspace, time);
        }).WithTags("Workspaces").WithName("WatchWorkspace")
          .WithSummary("SSE: the workspace now (with its resources and agents), then again after every change, agent connections and lifecycle included (a lost notification also sends the current state).")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        routes.MapGet("/api/v2/workspaces/watch-all", static async Task<IResult> (
            HttpContext http, IPubsub pubsub, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var subject = http.GetSubject();
            var subscription = await pubsub.SubscribeAsync(JobEvents.AllWorkspacesChannel, cancellationToken).ConfigureAwait(false);
            return ServerSentEventStream.CreateFromJson(WatchAllAsync(subscription, subject, CancellationToken.None), time);
        }).WithTags("Workspaces").WithName("WatchAllWorkspaces")
          .WithSummary("SSE: every build change of the workspaces the caller may see, and (event \"agent\") every agent connection and lifecycle change; a resync event means updates may have been lost.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        return routes;
    }

    private static async IAsyncEnumerable<SseItem<Workspace>> WatchOneAsync(
        PubsubSubscription subscription, Guid id, WorkspaceStore store, WatchedAgents agents, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (subscription.ConfigureAwait(false))
        {
            string? sent = null;
            var woken = true;
            while (true)
            {
                // Subscribed before this read: a change committed after it is announced, or its loss is.
                var workspace = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
                if (workspace is null)
                {
                    yield break;
                }

                workspace = workspace with { Resources = WorkspaceResource.FromAgents(await agents.ReadAsync(workspace, time, cancellationToken).ConfigureAwait(false)) };

                // A re-read on the quiet-interval timer (no message) sends only what changed.
                var json = JsonSerializer.Serialize(workspace, OutpostJsonContext.Default.Workspace);
                if (woken || json != sent)
                {
                    sent = json;
                    yield return new SseItem<Workspace>(workspace);
                }

                if (!await subscription.WaitToReadOrRecheckAsync(PubsubSubscription.RecheckInterval, time, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                // Several notifications (or a dropped marker) all mean the same thing: read the current state.
                woken = false;
                while (subscription.Reader.TryRead(out _))
                {
                    woken = true;
                }
            }
        }
    }

    /// <summary>Items whose data is already JSON: the pubsub payloads, passed on as they are once the caller may see them.</summary>
    private static async IAsyncEnumerable<SseItem<string>> WatchAllAsync(
        PubsubSubscription subscription, Subject subject, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (subscription.ConfigureAwait(false))
        {
            // Nothing may happen for a while; a first ping sends the response headers now.
            yield return new SseItem<string>(null!, ServerSentEventStream.PingEventType);
            await foreach (var item in ServerSentEventStream.FromSubscription(subscription, (payload, _) =>
            {
                if (AgentEvents.Read(payload) is { } agent)
                {
                    return ValueTask.FromResult<SseItem<string>?>(
                        subject.Can(ResourceType.Workspace, PermissionAction.Read, agent.OwnerId) ? new SseItem<string>(payload, AgentEventType) : null);
                }

                var update = JsonSerializer.Deserialize(payload, OutpostJsonContext.Default.WorkspaceBuildUpdate);
                return ValueTask.FromResult<SseItem<string>?>(
                    update is not null && subject.Can(ResourceType.Workspace, PermissionAction.Read, update.OwnerId)
                        ? new SseItem<string>(payload)
                        : null);
            }, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }
}

/// <summary>The agents a workspace watch sends with the workspace.</summary>
internal sealed class WatchedAgents(AgentStore store, TimeSpan inactivityTimeout)
{
    public Task<List<WorkspaceAgent>> ReadAsync(Workspace workspace, TimeProvider time, CancellationToken cancellationToken) =>
        store.ListByBuildAsync(workspace.LatestBuild.Id, time.GetUtcNow(), inactivityTimeout, cancellationToken);
}
