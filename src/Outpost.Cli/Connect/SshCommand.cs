using System.CommandLine;
using Microsoft.Extensions.Logging;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Cli.Connect;

/// <summary>
/// <c>outpost ssh WORKSPACE[.AGENT] [-- COMMAND…]</c>: with a command, runs it (stdin, stdout and stderr are ours,
/// our exit code is its); without one, an interactive terminal that survives network drops. With <c>--stdio</c>, stdin
/// and stdout are joined to the workspace's SSH server (an <c>ssh</c> session): OpenSSH's <c>ProxyCommand</c>.
/// </summary>
internal static class SshCommand
{
    /// <summary>What ssh(1) exits with when the session, not the command, failed.</summary>
    public const int SessionFailed = 255;

    /// <summary>The connection log's and telemetry's type of <c>outpost ssh</c> sessions.</summary>
    public static readonly string ConnectionTypeName = WireName.Of(ConnectionType.Ssh);

    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("workspace") { Description = "The workspace, optionally with the agent: NAME or NAME.AGENT." };
        var command = new Argument<string[]>("command") { Description = "A command to run instead of an interactive shell (after --).", Arity = ArgumentArity.ZeroOrMore };
        var start = new Option<bool>("--start") { Description = "Start the workspace first if it is stopped." };
        var stdio = new Option<bool>("--stdio")
        {
            Description = "Join stdin and stdout to the workspace's SSH server, for OpenSSH: ssh -o ProxyCommand='outpost ssh --stdio %h' …. Messages go to stderr only.",
        };
        var ssh = new Command("ssh", "Open a terminal in a workspace, or run a command in it.") { target, command, start, stdio };
        ssh.SetAction(async (result, cancellationToken) =>
        {
            var args = result.GetValue(command) ?? [];
            if (result.GetValue(stdio) && args.Length > 0)
            {
                await context.Error.WriteLineAsync("error: --stdio carries an SSH connection and runs no command: drop the command after --").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunAsync(context, result.GetValue(target)!, result.GetValue(start), result.GetValue(stdio), args, cancellationToken).ConfigureAwait(false);
        });
        return ssh;
    }

    private static Task<int> RunAsync(CliContext context, string target, bool start, bool stdio, string[] args, CancellationToken cancellationToken) =>
        CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var connector = new AgentConnector(context, client);
            if (stdio)
            {
                return await SshStdio.RunAsync(context, connector, target, start, ct).ConfigureAwait(false);
            }

            var reconnectId = Guid.NewGuid();
            var kind = args.Length > 0 ? SessionKind.Exec : SessionKind.Pty;
            var started = context.Time.GetTimestamp();
            var (socket, error, code) = await connector.ConnectAsync(target, start,
                () => args.Length > 0
                    ? new SessionHeader { Kind = SessionKind.Exec, ConnectionType = ConnectionType.Ssh, Command = args[0], Args = args[1..] }
                    : InteractiveTerminal.Header(context, reconnectId),
                ConnectionTypeName, kind, ct).ConfigureAwait(false);
            if (socket is null)
            {
                await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                return code;
            }

            return args.Length > 0
                ? await RunExecAsync(context, connector, socket, started, ct).ConfigureAwait(false)
                : await new InteractiveTerminal(context, connector).RunAsync(socket, reconnectId, ct).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<int> RunExecAsync(CliContext context, AgentConnector connector, SessionSocket socket, long started, CancellationToken cancellationToken)
    {
        using (socket)
        {
            using var stdinStop = new CancellationTokenSource();
            var stdin = PumpStdinAsync(socket, stdinStop.Token);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            SessionExit? exit = null;
            SessionClose? close = null;
            try
            {
                while (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } frame)
                {
                    switch (frame.Type)
                    {
                        case SessionFrameType.Stdout:
                            await stdout.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                            break;
                        case SessionFrameType.Stderr:
                            await stderr.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                            break;
                        case SessionFrameType.Exit:
                            exit = SessionFrames.ReadJson(frame, SessionJsonContext.Default.SessionExit);
                            break;
                    }

                    if (frame.Type == SessionFrameType.Close)
                    {
                        close = socket.ReceivedClose;
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                close = SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "interrupted");
                await socket.CloseAsync(close, TimeSpan.FromSeconds(2), context.Time).ConfigureAwait(false);
                LogEnd(context, connector, socket, ConnectionTypeName, SessionKind.Exec, started, exit, close);
                throw;
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or SessionProtocolException)
            {
                close = SessionClose.Of(ex is SessionProtocolException ? DisconnectReason.ProtocolError : DisconnectReason.NetworkError,
                    ex is SessionProtocolException ? DisconnectInitiator.Server : DisconnectInitiator.Network, ex.Message);
            }

            await stdinStop.CancelAsync().ConfigureAwait(false);
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            close ??= SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Network, "the server closed the connection without saying why");
            await CloseOutputQuietlyAsync(socket).ConfigureAwait(false);
            LogEnd(context, connector, socket, ConnectionTypeName, SessionKind.Exec, started, exit, close);
            if (exit is not null)
            {
                return exit.ShellStatus;
            }

            await context.Error.WriteLineAsync($"error: the session ended: {AgentConnector.Describe(close)}").ConfigureAwait(false);
            _ = stdin;
            return SessionFailed;
        }
    }

    private static async Task PumpStdinAsync(SessionSocket socket, CancellationToken cancellationToken)
    {
        // A background reader: stdin may never end (a terminal), and the command may finish first.
        await Task.Yield();
        try
        {
            await using var stdin = Console.OpenStandardInput();
            var buffer = new byte[SessionLimits.MaxPayloadBytes];
            while (true)
            {
                var count = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    await socket.SendAsync(SessionFrameType.StdinEof, [], cancellationToken).ConfigureAwait(false);
                    return;
                }

                await socket.SendAsync(SessionFrameType.Stdin, buffer.AsSpan(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The session ended first.
        }
    }

    internal static async Task CloseOutputQuietlyAsync(SessionSocket socket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (socket.Socket.State is System.Net.WebSockets.WebSocketState.Open or System.Net.WebSockets.WebSocketState.CloseReceived)
            {
                await socket.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            socket.Socket.Abort();
        }
    }

    /// <summary>The end of a session that had opened: the log line and <c>workspace.connection.closed</c>.</summary>
    internal static void LogEnd(CliContext context, AgentConnector connector, SessionSocket socket, string connectionType, SessionKind kind, long started, SessionExit? exit, SessionClose close)
    {
        var reason = close.DisconnectReason;
        CliConnectLog.Ended(context.Loggers.CreateLogger(CliConnectLog.Category), reason.Expected() ? LogLevel.Information : LogLevel.Warning,
            connector.WorkspaceName, connector.Agent?.Name ?? "?", WireName.Of(kind), context.Time.GetElapsedTime(started).TotalSeconds, exit?.Describe() ?? "none",
            ConnectionDirection.ClientToServer.Value, reason.LogValue, reason.Expected(), close.DisconnectInitiator.LogValue, close.Detail);
        connector.RecordClosed(connectionType, kind, started, socket, exit, close);
    }
}
