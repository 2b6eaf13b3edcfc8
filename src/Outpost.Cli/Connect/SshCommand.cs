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

            if (args.Length > 0)
            {
                await using var stdout = Console.OpenStandardOutput();
                await using var stderr = Console.OpenStandardError();
                return await ExecAsync(context, connector, target, start, args, new ExecStreams(Console.OpenStandardInput, stdout, stderr), ct).ConfigureAwait(false);
            }

            var reconnectId = Guid.NewGuid();
            var (socket, error, code) = await connector.ConnectAsync(target, start, () => InteractiveTerminal.Header(context, reconnectId),
                ConnectionTypeName, SessionKind.Pty, ct).ConfigureAwait(false);
            if (socket is null)
            {
                await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                return code;
            }

            return await new InteractiveTerminal(context, connector).RunAsync(socket, reconnectId, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Where an exec session's streams go: the process's own for <c>outpost ssh … -- cmd</c>; a workflow step's buffers for <c>outpost/workspace-exec</c>. No stdin: end of input at once.</summary>
    internal sealed record ExecStreams(Func<Stream>? OpenStdin, Stream Stdout, Stream Stderr)
    {
        /// <summary>Variables for the command, besides the agent's own (a workflow's <c>env</c>).</summary>
        public IReadOnlyDictionary<string, string>? Env { get; init; }

        /// <summary>The command's working directory; null for the agent's default.</summary>
        public string? Cwd { get; init; }
    }

    /// <summary>
    /// <c>outpost ssh WORKSPACE -- COMMAND…</c>: opens an exec session (through the relay unless the direct path
    /// works) and carries it; the command's exit code, <see cref="SessionFailed"/> when the session failed, or the
    /// connect error's code (its message on <see cref="CliContext.Error"/>). The workflow method
    /// <c>outpost/workspace-exec</c> runs this too.
    /// </summary>
    internal static async Task<int> ExecAsync(CliContext context, AgentConnector connector, string target, bool start, IReadOnlyList<string> args, ExecStreams streams, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(streams);
        var started = context.Time.GetTimestamp();
        var (socket, error, code) = await connector.ConnectAsync(target, start,
            () => new SessionHeader { Kind = SessionKind.Exec, ConnectionType = ConnectionType.Ssh, Command = args[0], Args = [.. args.Skip(1)], Env = streams.Env, Cwd = streams.Cwd },
            ConnectionTypeName, SessionKind.Exec, ct).ConfigureAwait(false);
        if (socket is null)
        {
            await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return code;
        }

        return await RunExecAsync(context, connector, socket, started, streams, ct).ConfigureAwait(false);
    }

    private static async Task<int> RunExecAsync(CliContext context, AgentConnector connector, SessionSocket socket, long started, ExecStreams streams, CancellationToken cancellationToken)
    {
        using (socket)
        {
            using var stdinStop = new CancellationTokenSource();
            var stdin = PumpStdinAsync(socket, streams.OpenStdin, stdinStop.Token);
            var (stdout, stderr) = (streams.Stdout, streams.Stderr);
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

    private static async Task PumpStdinAsync(SessionSocket socket, Func<Stream>? openStdin, CancellationToken cancellationToken)
    {
        // A background reader: stdin may never end (a terminal), and the command may finish first.
        await Task.Yield();
        try
        {
            if (openStdin is null)
            {
                await socket.SendAsync(SessionFrameType.StdinEof, [], cancellationToken).ConfigureAwait(false);
                return;
            }

            await using var stdin = openStdin();
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
