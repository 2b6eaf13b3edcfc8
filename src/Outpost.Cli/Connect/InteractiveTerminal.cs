using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Cli.Connect;

/// <summary>
/// The interactive <c>outpost ssh</c>: the local terminal in raw mode (restored at the end, however it ends),
/// resizes on SIGWINCH, and — unlike <c>coder ssh</c> — a dropped connection reconnects to the same terminal on
/// the agent (it keeps running there; missed output is replayed), saying so on stderr; so does the server closing it as it restarts.
/// </summary>
internal sealed class InteractiveTerminal(CliContext context, AgentConnector connector)
{
    private static readonly TimeSpan ReconnectFor = TimeSpan.FromMinutes(5);

    /// <summary>The header of the terminal <paramref name="id"/> at the local terminal's size.</summary>
    public static SessionHeader Header(CliContext context, Guid id)
    {
        var (rows, cols) = Size();
        return new SessionHeader { Kind = SessionKind.Pty, ConnectionType = ConnectionType.Ssh, ReconnectId = id, Rows = rows, Cols = cols, Term = context.Environment("TERM") ?? "xterm-256color" };
    }

    /// <summary>Runs the terminal over <paramref name="first"/> (already opened), reconnecting to terminal <paramref name="id"/> when the connection drops.</summary>
    public async Task<int> RunAsync(SessionSocket first, Guid id, CancellationToken cancellationToken)
    {
        var started = context.Time.GetTimestamp();
        var input = Channel.CreateBounded<byte[]?>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.Wait });
        using var rawMode = RawMode.Enter();
        using var winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal =>
        {
            signal.Cancel = true;
            input.Writer.TryWrite(null);
        });
        using var stdinStop = new CancellationTokenSource();
        _ = ReadStdinAsync(input.Writer, stdinStop.Token);
        await using var stdout = Console.OpenStandardOutput();
        var attempt = 0;
        long lostAt = 0;
        try
        {
            while (true)
            {
                var (socket, error) = attempt == 0 ? (first, null)
                    : await connector.OpenAsync(Header(context, id), SshCommand.ConnectionTypeName, reconnect: true, cancellationToken).ConfigureAwait(false);
                if (socket is null)
                {
                    if (attempt == 0 || context.Time.GetElapsedTime(lostAt) > ReconnectFor)
                    {
                        await context.Error.WriteLineAsync($"\r\nerror: {error}").ConfigureAwait(false);
                        return SshCommand.SessionFailed;
                    }

                    attempt++;
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), context.Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (attempt > 0)
                {
                    await context.Error.WriteAsync("\r\noutpost: reconnected to the same terminal\r\n").ConfigureAwait(false);
                }

                using (socket)
                {
                    var connected = context.Time.GetTimestamp();
                    var (exit, close, lost) = await RunConnectionAsync(socket, input.Reader, stdout, cancellationToken).ConfigureAwait(false);
                    if (lost is null)
                    {
                        SshCommand.LogEnd(context, connector, socket, SshCommand.ConnectionTypeName, SessionKind.Pty, started, exit, close!);
                        if (exit is not null)
                        {
                            return exit.ShellStatus;
                        }

                        await context.Error.WriteAsync($"\r\noutpost: the terminal ended: {AgentConnector.Describe(close!)}\r\n").ConfigureAwait(false);
                        return SshCommand.SessionFailed;
                    }

                    connector.RecordClosed(SshCommand.ConnectionTypeName, SessionKind.Pty, connected, socket, null,
                        close ?? SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Network, lost));
                    attempt++;
                    lostAt = context.Time.GetTimestamp();
                    CliConnectLog.Reconnecting(context.Loggers.CreateLogger(CliConnectLog.Category), lost, attempt);
                    await context.Error.WriteAsync($"\r\noutpost: connection lost ({lost}); reconnecting to the same terminal…\r\n").ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await stdinStop.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task<(SessionExit? Exit, SessionClose? Close, string? Lost)> RunConnectionAsync(
        SessionSocket socket, ChannelReader<byte[]?> input, Stream stdout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sender = SendAsync(socket, input, stop.Token);
        SessionExit? exit = null;
        try
        {
            while (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case SessionFrameType.Stdout:
                        await stdout.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case SessionFrameType.Exit:
                        exit = SessionFrames.ReadJson(frame, SessionJsonContext.Default.SessionExit);
                        break;
                    case SessionFrameType.Close:
                        await SshCommand.CloseOutputQuietlyAsync(socket).ConfigureAwait(false);

                        // A server going down closes its relayed sessions; the terminal lives on in the agent, so reconnect to it.
                        return exit is null && socket.ReceivedClose?.DisconnectReason == DisconnectReason.ServerShutdown
                            ? (null, socket.ReceivedClose, "the server is restarting")
                            : (exit, socket.ReceivedClose, null);
                }
            }

            return (exit, null, "the server closed the connection");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await socket.CloseAsync(SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "interrupted"), TimeSpan.FromSeconds(2), TimeProvider.System).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or SessionProtocolException)
        {
            return (exit, null, ex.Message);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
            {
                // Ends with the connection.
            }
        }
    }

    private static async Task SendAsync(SessionSocket socket, ChannelReader<byte[]?> input, CancellationToken cancellationToken)
    {
        await foreach (var item in input.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item is null)
            {
                var (rows, cols) = Size();
                await socket.SendAsync(SessionFrames.Resize(rows, cols), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.SendAsync(SessionFrameType.Stdin, item, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task ReadStdinAsync(ChannelWriter<byte[]?> input, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await using var stdin = Console.OpenStandardInput();
            var buffer = new byte[4096];
            while (true)
            {
                var count = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    return;
                }

                await input.WriteAsync(buffer.AsSpan(0, count).ToArray(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Stopped with the command.
        }
    }

    private static (int Rows, int Cols) Size()
    {
        try
        {
            var (rows, cols) = (Console.WindowHeight, Console.WindowWidth);
            return SessionLimits.SizeProblem(rows, cols) is null ? (rows, cols) : (24, 80);
        }
        catch (IOException)
        {
            return (24, 80);
        }
    }

    /// <summary>The local terminal in raw mode, through stty(1) on /dev/tty; restored on dispose. Nothing when stdin is not a terminal.</summary>
    private sealed class RawMode : IDisposable
    {
        private readonly string? _saved;

        private RawMode(string? saved) => _saved = saved;

        public static RawMode Enter()
        {
            if (Console.IsInputRedirected)
            {
                return new RawMode(null);
            }

            var saved = Stty("-g");
            _ = Stty("raw -echo");
            return new RawMode(saved);
        }

        public void Dispose()
        {
            if (!string.IsNullOrEmpty(_saved))
            {
                _ = Stty(_saved);
            }
        }

        private static string? Stty(string arguments)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo("sh", ["-c", $"stty {arguments} < /dev/tty"]) { RedirectStandardOutput = true, UseShellExecute = false });
                var output = process!.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                return process.ExitCode == 0 ? output : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }
}
