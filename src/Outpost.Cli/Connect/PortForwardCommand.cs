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
                await using var stream = new NetworkStream(local, ownsSocket: false);
                var close = await SessionSplice.RunAsync(session, stream, stream, () => ShutdownQuietly(local), context.Time, cancellationToken).ConfigureAwait(false);
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
