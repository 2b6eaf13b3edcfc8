using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Cli.Connect;

/// <summary>
/// <c>outpost port-forward WORKSPACE[.AGENT] --tcp [BIND:]LOCAL:REMOTE…</c>: listens here and forwards each accepted
/// connection through its own <c>tcp</c> session to the port inside the workspace, until interrupted.
/// </summary>
internal static class PortForwardCommand
{
    /// <summary>The connection log's and telemetry's type of a forwarded connection.</summary>
    public static readonly string ConnectionTypeName = WireName.Of(ConnectionType.PortForward);

    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("workspace") { Description = "The workspace, optionally with the agent: NAME or NAME.AGENT." };
        var tcp = new Option<string[]>("--tcp")
        {
            Description = "[BIND:]LOCAL:REMOTE — listen on BIND:LOCAL (127.0.0.1 unless given; LOCAL 0 picks a free port) and forward to REMOTE inside the workspace. Repeatable.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            Required = true,
        };
        var start = new Option<bool>("--start") { Description = "Start the workspace first if it is stopped." };
        var command = new Command("port-forward", "Forward local TCP ports to ports inside a workspace.") { target, tcp, start };
        command.SetAction(async (result, cancellationToken) =>
        {
            var specs = new List<PortForwardSpec>();
            foreach (var text in result.GetValue(tcp) ?? [])
            {
                var (spec, problem) = PortForwardSpec.Parse(text);
                if (spec is null)
                {
                    await context.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                specs.Add(spec);
            }

            return await CommandRunner.RunSignedInAsync(context, async (client, ct) =>
            {
                var connector = new AgentConnector(context, client);
                var (error, code) = await connector.ResolveAsync(result.GetValue(target)!, result.GetValue(start), ct).ConfigureAwait(false);
                if (error is not null)
                {
                    await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                    return code;
                }

                return await ForwardAllAsync(context, connector, specs, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> ForwardAllAsync(CliContext context, AgentConnector connector, IReadOnlyList<PortForwardSpec> specs, CancellationToken cancellationToken)
    {
        var listeners = new List<(Socket Listener, PortForwardSpec Spec)>();
        try
        {
            foreach (var spec in specs)
            {
                var listener = new Socket(spec.Bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    listener.Bind(new IPEndPoint(spec.Bind, spec.LocalPort));
                    listener.Listen(64);
                }
                catch (SocketException ex)
                {
                    listener.Dispose();
                    await context.Error.WriteLineAsync($"error: --tcp {spec.Bind}:{spec.LocalPort}:{spec.RemotePort}: cannot listen on {spec.Bind}:{spec.LocalPort}: {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                listeners.Add((listener, spec));
                var bound = (IPEndPoint)listener.LocalEndPoint!;
                await context.Error.WriteLineAsync($"Forwarding {bound} -> {connector.WorkspaceName}:{spec.RemotePort}").ConfigureAwait(false);
            }

            await Task.WhenAll(listeners.Select(l => AcceptAsync(context, connector, l.Listener, l.Spec, cancellationToken))).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        finally
        {
            foreach (var (listener, _) in listeners)
            {
                listener.Dispose();
            }
        }
    }

    private static async Task AcceptAsync(CliContext context, AgentConnector connector, Socket listener, PortForwardSpec spec, CancellationToken cancellationToken)
    {
        var forwards = new List<Task>();
        try
        {
            while (true)
            {
                var local = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                local.NoDelay = true;
                forwards.RemoveAll(t => t.IsCompleted);
                forwards.Add(ForwardAsync(context, connector, spec, local, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the normal way to stop forwarding; the open connections are closed as client_closed.
        }

        await Task.WhenAll(forwards).ConfigureAwait(false);
    }

    /// <summary>One accepted connection through one tcp session; a refusal inside the workspace is said on stderr.</summary>
    private static async Task ForwardAsync(CliContext context, AgentConnector connector, PortForwardSpec spec, Socket local, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var started = context.Time.GetTimestamp();
        using (local)
        {
            var (session, error) = await OpenQuietlyAsync(connector, spec, cancellationToken).ConfigureAwait(false);
            if (session is null)
            {
                await context.Error.WriteLineAsync($"error: port {spec.RemotePort}: {error}").ConfigureAwait(false);
                return;
            }

            using (session)
            {
                var close = await SpliceAsync(session, local, context.Time, cancellationToken).ConfigureAwait(false);
                if (!close.DisconnectReason.Expected())
                {
                    await context.Error.WriteLineAsync($"error: a connection to port {spec.RemotePort} ended: {AgentConnector.Describe(close)}").ConfigureAwait(false);
                }

                await SshCommand.CloseOutputQuietlyAsync(session).ConfigureAwait(false);
                SshCommand.LogEnd(context, connector, session, ConnectionTypeName, SessionKind.Tcp, started, null, close);
            }
        }
    }

    private static async Task<(SessionSocket? Socket, string? Error)> OpenQuietlyAsync(AgentConnector connector, PortForwardSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            return await connector.OpenAsync(new SessionHeader { Kind = SessionKind.Tcp, Port = spec.RemotePort }, ConnectionTypeName, reconnect: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or OperationCanceledException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>Both directions of an opened session until either side ends it; how it ended.</summary>
    private static async Task<SessionClose> SpliceAsync(SessionSocket session, Socket local, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stopUp = new CancellationTokenSource();
        var up = UpAsync(session, local, stopUp.Token);
        SessionClose close;
        try
        {
            close = await DownAsync(session, local, up, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or SessionProtocolException or OperationCanceledException)
        {
            close = Failure(ex, cancellationToken);
            await session.CloseAsync(close, TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
        }

        await stopUp.CancelAsync().ConfigureAwait(false);
        await up.ConfigureAwait(false);
        ShutdownQuietly(local);
        return close;
    }

    /// <summary>The workspace's bytes to the local connection until the session closes; a local peer that goes away closes the session.</summary>
    private static async Task<SessionClose> DownAsync(SessionSocket session, Socket local, Task<SessionClose?> up, TimeProvider time, CancellationToken cancellationToken)
    {
        // Receives are not canceled (that would abort the WebSocket): an interrupt sends a close frame instead.
        var interrupted = new TaskCompletionSource<SessionClose?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(() => interrupted.TrySetResult(SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "interrupted")));
        var receive = session.ReceiveAsync(CancellationToken.None);
        var watched = new List<Task> { up, interrupted.Task };
        while (true)
        {
            var first = await Task.WhenAny(watched.Append(receive)).ConfigureAwait(false);
            if (first != receive && await ((Task<SessionClose?>)first).ConfigureAwait(false) is { } localGone)
            {
                // The local peer went away, or Ctrl-C: tell the agent.
                await session.CloseAsync(localGone, TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
                return localGone;
            }

            if (first != receive)
            {
                // The upload ended without a verdict (the session broke while sending): the receive says how.
                watched.Remove(first);
                continue;
            }

            if (await receive.ConfigureAwait(false) is not { } frame)
            {
                return session.ReceivedClose ?? SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Server, "the server closed the session without saying why");
            }

            if (frame.Type == SessionFrameType.Close)
            {
                return session.ReceivedClose!;
            }

            if (frame.Type == SessionFrameType.Stdout)
            {
                try
                {
                    await local.SendAsync(frame.Payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    var gone = SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, $"the local connection closed: {ex.SocketErrorCode}");
                    await session.CloseAsync(gone, TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
                    return gone;
                }
            }

            receive = session.ReceiveAsync(CancellationToken.None);
        }
    }

    /// <summary>The local connection's bytes to the workspace; null after a half-close (EOF was passed on), a close when the local side broke.</summary>
    private static async Task<SessionClose?> UpAsync(SessionSocket session, Socket local, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[SessionLimits.MaxPayloadBytes];
        try
        {
            while (true)
            {
                var count = await local.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    await session.SendAsync(SessionFrameType.StdinEof, [], cancellationToken).ConfigureAwait(false);
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }

                await session.SendAsync(SessionFrameType.Stdin, buffer.AsSpan(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SocketException ex)
        {
            return SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, $"the local connection broke: {ex.SocketErrorCode}");
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
        {
            // The session ended first; its end is what counts.
            return null;
        }
    }

    private static SessionClose Failure(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested
            ? SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "interrupted")
            : ex is SessionProtocolException
                ? SessionClose.Of(DisconnectReason.ProtocolError, DisconnectInitiator.Server, ex.Message)
                : SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Network, ex.Message);

    private static void ShutdownQuietly(Socket local)
    {
        try
        {
            local.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }
}
