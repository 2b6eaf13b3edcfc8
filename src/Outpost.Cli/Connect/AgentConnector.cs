using System.Net;
using System.Net.WebSockets;
using Outpost.Cli.Hosting;
using Outpost.Cli.Workspaces.Monitoring;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Sessions;
using Outpost.Sdk.Workspaces;
using Outpost.Telemetry;
using Outpost.Telemetry.Workspaces;

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

    /// <summary><c>owner/name</c> once the workspace is found: what the workspace telemetry events name.</summary>
    public string? QualifiedWorkspaceName { get; private set; }

    public WorkspaceAgent? Agent { get; private set; }

    /// <summary>The path of the last session opened: <c>direct</c> or <c>relay</c>.</summary>
    public string Path { get; private set; } = RelayPath;

    /// <summary>The agent's direct address when the last session took the direct path; null otherwise.</summary>
    public string? DirectAddress { get; private set; }

    /// <summary>Why the last session did not take the direct path when it was tried; null otherwise.</summary>
    public string? DirectFailure { get; private set; }

    public const string RelayPath = ConnectionTelemetry.RelayPath;

    /// <summary>Set (to anything but empty, 0 or false) to use the relay only.</summary>
    public const string DisableDirectVariable = "OUTPOST_DISABLE_DIRECT_CONNECTIONS";

    /// <summary>How long the direct path may take to open before the relay is used.</summary>
    private static readonly TimeSpan DirectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Resolves the target, waits for its agent and opens the first session, inside one <c>workspace.connection.opened</c>
    /// span with a phase for each step; an error message and exit code when it cannot.
    /// </summary>
    public Task<(SessionSocket? Socket, string? Error, int ExitCode)> ConnectAsync(string target, bool start, Func<SessionHeader> header, string connectionType, SessionKind kind, CancellationToken cancellationToken) =>
        ConnectionTelemetry.TraceOpenedAsync(context.Telemetry, connectionType, WireName.Of(kind), reconnect: false, async (span, ct) =>
        {
            var (error, code) = await ResolveAsync(target, start, span, ct).ConfigureAwait(false);
            if (error is not null)
            {
                span.SetProperty(ConnectionTelemetry.Failure, code == ExitCodes.AgentsNotReady ? "agent_not_ready" : "workspace_unavailable");
                span.MarkFailure();
                return (null, error, code);
            }

            return await OpenCoreAsync(header(), span, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Finds the agent and waits until it is ready; an error message (and exit code) when it cannot be used.</summary>
    public Task<(string? Error, int ExitCode)> ResolveAsync(string target, bool start, CancellationToken cancellationToken) =>
        ResolveAsync(target, start, span: null, cancellationToken);

    private async Task<(string? Error, int ExitCode)> ResolveAsync(string target, bool start, ITelemetrySpan? span, CancellationToken cancellationToken)
    {
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        WorkspaceName = dot < 0 ? target : target[..dot];
        var agentName = dot < 0 ? null : target[(dot + 1)..];
        var (workspace, refusal) = await PhaseAsync(span, ConnectionTelemetry.ResolveWorkspacePhase, ct => FindAndStartAsync(start, ct), cancellationToken).ConfigureAwait(false);
        if (workspace is null)
        {
            return (refusal, ExitCodes.Refused);
        }

        QualifiedWorkspaceName = $"{workspace.OwnerName}/{workspace.Name}";
        span?.SetProperty(WorkspaceTelemetryNames.WorkspaceName, QualifiedWorkspaceName);
        var ready = await PhaseAsync(span, ConnectionTelemetry.WaitForAgentPhase, ct => WaitForAgentAsync(workspace, agentName, ct), cancellationToken).ConfigureAwait(false);
        if (Agent is not null)
        {
            span?.SetProperty(WorkspaceTelemetryNames.AgentName, Agent.Name);
        }

        return ready;
    }

    private async Task<(Workspace? Workspace, string? Refusal)> FindAndStartAsync(bool start, CancellationToken cancellationToken)
    {
        var workspace = await client.Api.GetWorkspaceByNameAsync("me", WorkspaceName, cancellationToken).ConfigureAwait(false);
        if (workspace.LatestBuild.Transition != WorkspaceTransition.Start)
        {
            if (!start)
            {
                return (null, $"workspace \"{WorkspaceName}\" is {workspace.Status.ToString().ToLowerInvariant()}: start it with outpost start {WorkspaceName}, or pass --start");
            }

            await context.Error.WriteLineAsync($"Starting workspace \"{WorkspaceName}\"…").ConfigureAwait(false);
            await client.Api.CreateWorkspaceBuildAsync(workspace.Id, new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Start }, cancellationToken).ConfigureAwait(false);
        }

        return (workspace, null);
    }

    private async Task<(string? Error, int ExitCode)> WaitForAgentAsync(Workspace workspace, string? agentName, CancellationToken cancellationToken)
    {
        var deadline = context.Time.GetTimestamp();
        var said = false;
        while (true)
        {
            var agents = await client.Api.ListWorkspaceAgentsAsync(workspace.Id, cancellationToken).ConfigureAwait(false);

            // Without a name, the workspace's own agent; with several, the user says which (asked at a terminal, else told to).
            var roots = agents.Where(a => a.ParentId is null).Select(a => a.Name).Order(StringComparer.Ordinal).ToList();
            if (agentName is null && roots.Count > 1)
            {
                agentName = context.Prompter is { } prompter
                    ? (await prompter.AskAsync($"\"{WorkspaceName}\" has {roots.Count} agents ({string.Join(", ", roots)}); which one?", roots[0], cancellationToken).ConfigureAwait(false))?.Trim()
                    : null;
                if (agentName is null || !roots.Contains(agentName, StringComparer.Ordinal))
                {
                    return ($"\"{WorkspaceName}\" has {roots.Count} agents ({string.Join(", ", roots)}); name one, e.g. {WorkspaceName}.{roots[0]}", ExitCodes.Usage);
                }
            }

            var agent = agentName is null ? agents.FirstOrDefault(a => a.ParentId is null) ?? agents.FirstOrDefault()
                : agents.FirstOrDefault(a => string.Equals(a.Name, agentName, StringComparison.Ordinal));
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

    /// <summary>
    /// Opens one more session (a forwarded connection, a terminal's reconnect) in its own <c>workspace.connection.opened</c>
    /// span: the WebSocket, the header, and the agent's first frame. On success the socket is past the opened frame;
    /// otherwise the failure as a message (the agent's refusal, such as a port refused inside the workspace).
    /// </summary>
    public Task<(SessionSocket? Socket, string? Error)> OpenAsync(SessionHeader header, string connectionType, bool reconnect, CancellationToken cancellationToken) =>
        ConnectionTelemetry.TraceOpenedAsync(context.Telemetry, connectionType, WireName.Of(header.Kind), reconnect, async (span, ct) =>
        {
            span.SetProperty(WorkspaceTelemetryNames.AgentName, Agent!.Name);
            var (socket, error, _) = await OpenCoreAsync(header, span, ct).ConfigureAwait(false);
            return (socket, error);
        }, cancellationToken);

    /// <summary>The socket past the opened frame, or why not with the exit code that says it: 12 for a stopped workspace, 255 for a refused session.</summary>
    private async Task<(SessionSocket? Socket, string? Error, int ExitCode)> OpenCoreAsync(SessionHeader header, ITelemetrySpan span, CancellationToken cancellationToken)
    {
        var (socket, refusal, code) = await span.PhaseAsync(ConnectionTelemetry.DialPhase, (_, ct) => DialAsync(header.Kind, ct), cancellationToken: cancellationToken).ConfigureAwait(false);
        span.SetProperty(ConnectionTelemetry.Path, Path);
        if (socket is null)
        {
            span.SetProperty(ConnectionTelemetry.Failure, "dial_refused");
            span.MarkFailure();
            return (null, refusal, code);
        }

        var close = await span.PhaseAsync(ConnectionTelemetry.HandshakePhase, (_, ct) => HandshakeAsync(socket, header, ct), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (close is null)
        {
            return (socket, null, ExitCodes.Success);
        }

        span.SetProperty(ConnectionTelemetry.Failure, "session_refused");
        span.SetProperty(ConnectionTelemetry.DisconnectReason, close.DisconnectReason.LogValue);
        span.MarkFailure();
        await SshCommand.CloseOutputQuietlyAsync(socket).ConfigureAwait(false);
        socket.Dispose();
        return (null, close.DisconnectReason == DisconnectReason.Graceful || close.DisconnectInitiator == DisconnectInitiator.Agent ? close.Detail : $"the session was refused: {Describe(close)}",
            SshCommand.SessionFailed);
    }

    /// <summary>Sends the header and reads the agent's first frame: null when it opened, else why not.</summary>
    private static async Task<SessionClose?> HandshakeAsync(SessionSocket socket, SessionHeader header, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendJsonAsync(SessionFrameType.Header, header, SessionJsonContext.Default.SessionHeader, cancellationToken).ConfigureAwait(false);
            var first = await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            return first is { Type: SessionFrameType.Opened } ? null
                : socket.ReceivedClose ?? SessionClose.Of(DisconnectReason.ProtocolError, DisconnectInitiator.Server, $"the session answered {first?.Type.ToString() ?? "nothing"} before it opened");
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or SessionProtocolException)
        {
            return SessionClose.Of(ex is SessionProtocolException ? DisconnectReason.ProtocolError : DisconnectReason.NetworkError,
                ex is SessionProtocolException ? DisconnectInitiator.Server : DisconnectInitiator.Network, ex.Message);
        }
    }

    /// <summary>The direct path first (unless disabled), then the relay; says on stderr why a direct attempt failed.</summary>
    private async Task<(SessionSocket? Socket, string? Error, int ExitCode)> DialAsync(SessionKind kind, CancellationToken cancellationToken)
    {
        Path = RelayPath;
        DirectFailure = null;
        DirectAddress = null;
        if (context.Environment(DisableDirectVariable) is { Length: > 0 } off && off is not ("0" or "false"))
        {
            DirectFailure = $"direct connections are turned off ({DisableDirectVariable})";
            return await DialRelayAsync(cancellationToken).ConfigureAwait(false);
        }

        var (direct, why, tried) = await DialDirectAsync(kind, cancellationToken).ConfigureAwait(false);
        if (direct is not null)
        {
            Path = ConnectionTelemetry.DirectPath;
            DirectAddress = why;
            return (direct, null, ExitCodes.Success);
        }

        DirectFailure = why;
        if (tried)
        {
            await context.Error.WriteLineAsync($"Direct connection to the agent failed ({why}); using the relay.").ConfigureAwait(false);
        }

        return await DialRelayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A ticket from the server, then the agent's direct address within <see cref="DirectTimeout"/>; why not (the address when it opened), and whether an address was tried.</summary>
    private async Task<(SessionSocket? Socket, string? Why, bool Tried)> DialDirectAsync(SessionKind kind, CancellationToken cancellationToken)
    {
        DirectTicketGrant grant;
        try
        {
            grant = await client.Api.CreateDirectTicketAsync(Agent!.Id, kind, cancellationToken).ConfigureAwait(false);
        }
        catch (Sdk.Client.OutpostApiException ex) when (ex.StatusCode == (int)HttpStatusCode.Conflict)
        {
            return (null, "the agent accepts no direct connections", false);
        }
        catch (Exception ex) when (ex is Sdk.Client.OutpostApiException or HttpRequestException)
        {
            return (null, $"no ticket: {ex.Message}", false);
        }

        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader(DirectTicket.Header, grant.Ticket);
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } current)
        {
            // The agent's session continues this invocation's trace (issue 24), as the relay's does.
            socket.Options.SetRequestHeader("traceparent", current.Id);
        }

        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(10);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DirectTimeout);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{grant.Address}{DirectTicket.AgentPath}"), timeout.Token).ConfigureAwait(false);
            return (new SessionSocket(socket), grant.Address, true);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var why = socket.HttpStatusCode == HttpStatusCode.Forbidden
                ? $"{grant.Address}: " + (socket.HttpResponseHeaders?.TryGetValue("Outpost-Direct-Refusal", out var reason) == true ? string.Join(' ', reason) : "ticket refused")
                : ex is OperationCanceledException ? $"{grant.Address}: timed out after {DirectTimeout.TotalSeconds:0} s"
                : ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } || ex.GetBaseException() is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }
                    ? $"{grant.Address}: connection refused"
                : $"{grant.Address}: {ex.GetBaseException().Message}";
            socket.Dispose();
            return (null, why, true);
        }
    }

    private async Task<(SessionSocket? Socket, string? Error, int ExitCode)> DialRelayAsync(CancellationToken cancellationToken)
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
            return status switch
            {
                HttpStatusCode.NotFound => (null, $"there is no agent {Agent.Name} in workspace \"{WorkspaceName}\" that you may connect to", ExitCodes.NotFound),
                HttpStatusCode.Conflict => (null, $"workspace \"{WorkspaceName}\" is stopped: start it with outpost start {WorkspaceName}, or pass --start", ExitCodes.Refused),
                HttpStatusCode.Unauthorized => (null, "the server refused the session: log in again (outpost login)", ExitCodes.SessionExpired),
                0 => (null, $"cannot reach the server: {ex.Message}", ExitCodes.Unreachable),
                _ => (null, $"the server refused the session with {(int)status} {status}", SshCommand.SessionFailed),
            };
        }

        return (new SessionSocket(socket), null, ExitCodes.Success);
    }

    /// <summary>Records <c>workspace.connection.closed</c> for a session that had opened.</summary>
    public void RecordClosed(string connectionType, SessionKind kind, long started, SessionSocket socket, SessionExit? exit, SessionClose close) =>
        ConnectionTelemetry.RecordClosed(context.Telemetry, new ConnectionClosed(
            QualifiedWorkspaceName ?? WorkspaceName, Agent?.Name ?? "?", connectionType, WireName.Of(kind),
            close.DisconnectReason.LogValue, close.DisconnectReason.Expected(), close.DisconnectInitiator.LogValue, close.Detail,
            context.Time.GetElapsedTime(started), socket.BytesSent, socket.BytesReceived, exit?.ShellStatus, Path));

    private static Task<T> PhaseAsync<T>(ITelemetrySpan? span, string name, Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken) =>
        span is null ? body(cancellationToken) : span.PhaseAsync(name, (_, ct) => body(ct), cancellationToken: cancellationToken);

    public static string Describe(SessionClose close) =>
        $"disconnect_reason={new DisconnectReason(close.Reason).LogValue} disconnect_initiator={new DisconnectInitiator(close.Initiator).LogValue} disconnect_detail={close.Detail}";
}
