using System.Net;
using System.Net.WebSockets;
using Outpost.Cli.Hosting;
using Outpost.Cli.Workspaces.Monitoring;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Sessions;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Connect;

/// <summary>
/// What <c>ssh</c> and <c>port-forward</c> share: resolve <c>workspace[.agent]</c>, start it when asked, wait for
/// the agent to be ready, and open one session WebSocket through the server's relay.
/// </summary>
internal sealed class AgentConnector(CliContext context, AuthenticatedClient client)
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public string WorkspaceName { get; private set; } = string.Empty;

    public WorkspaceAgent? Agent { get; private set; }

    /// <summary>Finds the agent and waits until it is ready; an error message (and exit code) when it cannot be used.</summary>
    public async Task<(string? Error, int ExitCode)> ResolveAsync(string target, bool start, CancellationToken cancellationToken)
    {
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        WorkspaceName = dot < 0 ? target : target[..dot];
        var agentName = dot < 0 ? null : target[(dot + 1)..];
        var workspace = await client.Api.GetWorkspaceByNameAsync("me", WorkspaceName, cancellationToken).ConfigureAwait(false);
        if (workspace.LatestBuild.Transition != WorkspaceTransition.Start)
        {
            if (!start)
            {
                return ($"workspace \"{WorkspaceName}\" is {workspace.Status.ToString().ToLowerInvariant()}: start it with outpost start {WorkspaceName}, or pass --start", ExitCodes.Failure);
            }

            await context.Error.WriteLineAsync($"Starting workspace \"{WorkspaceName}\"…").ConfigureAwait(false);
            await client.Api.CreateWorkspaceBuildAsync(workspace.Id, new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Start }, cancellationToken).ConfigureAwait(false);
        }

        var deadline = context.Time.GetTimestamp();
        var said = false;
        while (true)
        {
            var agents = await client.Api.ListWorkspaceAgentsAsync(workspace.Id, cancellationToken).ConfigureAwait(false);
            var agent = agentName is null ? agents.FirstOrDefault() : agents.FirstOrDefault(a => string.Equals(a.Name, agentName, StringComparison.Ordinal));
            var now = context.Time.GetUtcNow();
            if (agent is not null && AgentReadiness.IsReady(agent, now))
            {
                Agent = agent;
                return (null, ExitCodes.Success);
            }

            if (agent is not null && AgentReadiness.WhyNotComing(agent, now) is { } why)
            {
                return (why, ExitCodes.AgentsNotReady);
            }

            if (agentName is not null && agents.Count > 0 && agent is null)
            {
                return ($"workspace \"{WorkspaceName}\" has no agent \"{agentName}\" (it has {string.Join(", ", agents.Select(a => a.Name))})", ExitCodes.Failure);
            }

            if (context.Time.GetElapsedTime(deadline) > ReadyTimeout)
            {
                return ($"the agent of \"{WorkspaceName}\" was not ready within {ReadyTimeout.TotalMinutes:0} minutes", ExitCodes.AgentsNotReady);
            }

            if (!said)
            {
                await context.Error.WriteLineAsync($"Waiting for the agent of \"{WorkspaceName}\" to be ready…").ConfigureAwait(false);
                said = true;
            }

            await Task.Delay(PollInterval, context.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Opens one session: the WebSocket, the header sent; the failure as a message when the server refused.</summary>
    public async Task<(SessionSocket? Socket, string? Error)> OpenAsync(SessionHeader header, CancellationToken cancellationToken)
    {
        var url = new UriBuilder(new Uri(client.Api.BaseAddress, SessionApi.ClientPathFor(Agent!.Id)));
        url.Scheme = url.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + client.Session.AccessToken);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(10);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        try
        {
            using var invoker = new HttpMessageInvoker(context.CreateTransport());
            await socket.ConnectAsync(url.Uri, invoker, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status switch
            {
                HttpStatusCode.NotFound => $"there is no agent {Agent.Name} in workspace \"{WorkspaceName}\" that you may connect to",
                HttpStatusCode.Conflict => $"workspace \"{WorkspaceName}\" is stopped: start it with outpost start {WorkspaceName}, or pass --start",
                HttpStatusCode.Unauthorized => "the server refused the session: log in again (outpost login)",
                0 => $"cannot reach the server: {ex.Message}",
                _ => $"the server refused the session with {(int)status} {status}",
            });
        }

        var session = new SessionSocket(socket);
        await session.SendJsonAsync(SessionFrameType.Header, header, SessionJsonContext.Default.SessionHeader, cancellationToken).ConfigureAwait(false);
        return (session, null);
    }

    public static string Describe(SessionClose close) =>
        $"disconnect_reason={new DisconnectReason(close.Reason).LogValue} disconnect_initiator={new DisconnectInitiator(close.Initiator).LogValue} disconnect_detail={close.Detail}";
}
