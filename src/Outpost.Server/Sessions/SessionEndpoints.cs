using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Agents;
using Outpost.Server.Connections;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Sessions;

/// <summary>The data plane's two WebSockets: the client's (<see cref="SessionApi.ClientPath"/>) and the agent's dial-back (<see cref="SessionApi.AgentDialPath"/>).</summary>
internal static class SessionEndpoints
{
    /// <summary>The connection log's <c>path</c> of a relayed session.</summary>
    public const string Path = "relay";

    public static IEndpointRouteBuilder MapSessionRelay(this IEndpointRouteBuilder routes)
    {
        // Signed-in users; the object-level decision is SessionAccess's.
        routes.Map(string.Format(System.Globalization.CultureInfo.InvariantCulture, SessionApi.ClientPath, "{id:guid}"), static async (
            Guid id, HttpContext http, SessionAccess access, SessionTickets tickets, SessionRelayHub hub, IPubsub pubsub, SessionRelayOptions options,
            ConnectionLogStore connectionLog, IServer server, TimeProvider time, ILoggerFactory loggers) =>
        {
            var (target, problem) = await access.AuthorizeClientAsync(id, http, http.RequestAborted).ConfigureAwait(false);
            if (target is null)
            {
                return problem!;
            }

            if (!http.WebSockets.IsWebSocketRequest)
            {
                return Problems.BadRequest("a session is a WebSocket: send an upgrade request");
            }

            using var socket = new SessionSocket(await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false));
            var logger = loggers.CreateLogger(SessionRelayLog.Category);
            var relay = new SessionRelay(target, socket, options, time) { TraceParent = TraceParentOf(http) };
            hub.Add(relay);
            var started = time.GetTimestamp();
            using var watchStop = new CancellationTokenSource();
            var watch = WatchWorkspaceAsync(relay, hub, pubsub, options, logger, watchStop.Token);
            var userId = http.User.GetUserId();
            var clientAddress = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var logged = false;
            RelayEnd end;
            try
            {
                end = await relay.RunAsync(tickets, pubsub, RelayUrl(options, server), async (opened, ct) =>
                {
                    SessionRelayLog.Opened(logger, opened.Id, opened.Kind, id, target.WorkspaceId, userId, clientAddress, Path);
                    try
                    {
                        await connectionLog.OpenSessionAsync(new SessionRow(opened.Id, opened.Type!.Value, id, target.WorkspaceId, userId, clientAddress, Path, time.GetUtcNow(),
                            relay.TraceParent is { } parent ? ActivityContext.Parse(parent, null).TraceId.ToHexString() : null), ct).ConfigureAwait(false);
                        logged = true;
                    }
                    catch (NpgsqlException ex)
                    {
                        // The session goes on: the relay log line above still records it.
                        SessionRelayLog.RecordFailed(logger, $"session {opened.Id}", ex.Message);
                    }
                }, http.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                hub.Remove(relay);
                await watchStop.CancelAsync().ConfigureAwait(false);
                await watch.ConfigureAwait(false);
            }

            SessionRelayLog.Ended(logger, end.Reason.Expected() ? LogLevel.Information : LogLevel.Warning, relay.Id, relay.Kind,
                time.GetElapsedTime(started).TotalSeconds, relay.BytesToAgent, relay.BytesToClient, relay.Exit?.Describe() ?? "none",
                ConnectionDirection.ClientToServer.Value, end.Reason.LogValue, end.Reason.Expected(), end.Initiator.LogValue, end.Detail);
            if (logged)
            {
                try
                {
                    await connectionLog.CloseAsync(relay.Id, time.GetUtcNow(),
                        new ConnectionEnd(end.Reason, end.Initiator, end.Detail, relay.BytesToAgent, relay.BytesToClient, relay.Exit?.ShellStatus), CancellationToken.None).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    // Left open, the row is closed by the sweep once this replica stops vouching for it.
                    SessionRelayLog.RecordFailed(logger, $"the end of session {relay.Id}", ex.Message);
                }
            }

            return Results.Empty;
        }).RequireSignedIn().WithTags("Sessions").WithName("ConnectToAgent")
            .WithSummary("A data-plane session with a workspace agent (WebSocket; first frame: the session header).");

        // Agents authenticate with their own token (the agent scheme) plus the one-time ticket.
        routes.Map(SessionApi.AgentDialPath, static async (HttpContext http, AuthenticatedAgent caller, SessionTickets tickets, ILoggerFactory loggers) =>
        {
            var ticket = http.Request.Headers[SessionApi.TicketHeader].ToString();
            var pending = ticket.Length == 0 ? null : tickets.Redeem(ticket, caller.Agent.Id);
            if (pending is null)
            {
                var refusal = "the session ticket is unknown, used, expired or for another agent";
                SessionRelayLog.DialRefused(loggers.CreateLogger(SessionRelayLog.Category), http.Connection.RemoteIpAddress?.ToString() ?? "unknown", refusal);
                return Problems.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", refusal);
            }

            if (!http.WebSockets.IsWebSocketRequest)
            {
                return Problems.BadRequest("the dial-back is a WebSocket: send an upgrade request");
            }

            var socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            if (!pending!.Dialed.TrySetResult(socket))
            {
                socket.Dispose();
                return Results.Empty;
            }

            // The relay owns the socket now; the request lives until it is done.
            await pending.Done.Task.ConfigureAwait(false);
            return Results.Empty;
        }).RequireAuthorization(CallerPolicies.WorkspaceAgent).WithTags("Sessions").WithName("AgentSessionDial");

        routes.MapConnectionLog();
        return routes;
    }

    /// <summary>
    /// The opener's trace as a W3C <c>traceparent</c>: the request's activity (which continues the client's
    /// <c>traceparent</c> when tracing is on), else the client's header when it is valid, else none.
    /// </summary>
    private static string? TraceParentOf(HttpContext http)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            return current.Id;
        }

        var header = http.Request.Headers.TraceParent.ToString();
        return ActivityContext.TryParse(header, null, out _) ? header : null;
    }

    /// <summary>
    /// Closes the relay with <c>workspace_stopped</c> when a stop or delete build of its workspace appears, and tells
    /// it when its agent's control-plane connection ends or comes back.
    /// </summary>
    private static async Task WatchWorkspaceAsync(SessionRelay relay, SessionRelayHub hub, IPubsub pubsub, SessionRelayOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await using var subscription = await pubsub.SubscribeAsync(JobEvents.WorkspaceChannel(relay.WorkspaceId), cancellationToken).ConfigureAwait(false);
            await foreach (var message in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (message.IsDropped || message.Payload is null)
                {
                    continue;
                }

                if (AgentEvents.Read(message.Payload) is { } agentUpdate)
                {
                    if (agentUpdate.AgentId == relay.AgentId && agentUpdate.Change is WorkspaceAgentChange.Connected or WorkspaceAgentChange.Disconnected)
                    {
                        var connected = agentUpdate.Change == WorkspaceAgentChange.Connected;
                        if (connected)
                        {
                            await relay.AgentConnectedAsync().ConfigureAwait(false);
                        }

                        if (relay.ControlPlaneChanged(connected))
                        {
                            if (connected)
                            {
                                SessionRelayLog.ControlPlaneBack(logger, relay.Id, relay.AgentId);
                            }
                            else
                            {
                                SessionRelayLog.ControlPlaneLost(logger, relay.Id, relay.AgentId, options.ControlPlaneGrace.TotalSeconds);
                            }
                        }
                    }

                    continue;
                }

                WorkspaceBuildUpdate? update;
                try
                {
                    update = JsonSerializer.Deserialize(message.Payload, OutpostJsonContext.Default.WorkspaceBuildUpdate);
                }
                catch (JsonException)
                {
                    continue;
                }

                if (update is { Transition: not WorkspaceTransition.Start })
                {
                    hub.CloseWorkspace(relay.WorkspaceId, new RelayEnd(DisconnectReason.WorkspaceStopped, DisconnectInitiator.Server,
                        $"build {update.BuildNumber} ({update.Transition.ToString().ToLowerInvariant()}) stops the workspace"));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session ended.
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Without the watch, the agent's own workspace_stopped close still ends the session.
        }
    }

    private static Uri RelayUrl(SessionRelayOptions options, IServer server)
    {
        if (options.RelayUrl is { } configured)
        {
            return configured;
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:3000";
        var uri = new UriBuilder(address);
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*")
        {
            uri.Host = "127.0.0.1";
        }

        return uri.Uri;
    }
}
