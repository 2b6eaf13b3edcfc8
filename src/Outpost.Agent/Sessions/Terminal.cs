using Microsoft.Extensions.Logging;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>
/// A reconnecting terminal: a login shell on a real PTY, in its own session and process group, with a bounded
/// scrollback. At most one client is attached; when it goes, the terminal keeps running (its output goes to the
/// scrollback only, so the shell never blocks on an absent reader) until a client comes back with the id — and
/// gets the scrollback replayed — or the idle timeout closes it. Closing kills the process group.
/// </summary>
internal sealed class Terminal
{
    private readonly SessionHost _host;
    private readonly ChildProcess _process;
    private readonly int _master;
    private readonly System.Threading.Channels.ChannelWriter<byte[]> _input;
    private readonly Scrollback _scrollback;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _readStop = new();
    private readonly TaskCompletionSource<SessionEnd> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started;
    private Attachment? _client;
    private ITimer? _idle;
    private SessionEnd? _stopEnd;
    private bool _ended;
    private readonly Action<Terminal> _onClosed;

    private Terminal(SessionHost host, Guid id, ChildProcess process, int master, Action<Terminal> closed)
    {
        _onClosed = closed;
        _host = host;
        Id = id;
        _process = process;
        _master = master;
        _scrollback = new Scrollback(host.Options.ScrollbackBytes);
        _started = host.Time.GetTimestamp();
        var writeFd = Libc.dup(master);
        _input = FdStreams.Write(writeFd, closeAtEnd: true);
        Pump = PumpAsync();
    }

    public Guid Id { get; }

    /// <summary>Completes when the terminal has closed for good.</summary>
    public Task<SessionEnd> Closed => _closed.Task;

    private Task Pump { get; }

    public static Terminal Start(SessionHost host, Guid id, SessionHeader header, Action<Terminal> closed)
    {
        var shell = LoginShell.Find();
        var login = "-" + Path.GetFileName(shell);
        IReadOnlyList<string> argv = string.IsNullOrEmpty(header.Command) ? [login] : [login, "-c", header.Command];
        var env = host.EnvironmentFor(header, new Dictionary<string, string>
        {
            ["TERM"] = string.IsNullOrEmpty(header.Term) ? "xterm-256color" : header.Term,
            ["SHELL"] = shell,
        });
        var (process, master) = ChildProcess.SpawnPty(shell, argv, env, host.DirectoryFor(header), header.Rows, header.Cols);
        AgentSessionLog.TerminalStarted(host.Logger, id, shell, process.Pid, header.Rows, header.Cols);
        return new Terminal(host, id, process, master, closed);
    }

    /// <summary>Serves one client until it leaves or the terminal closes; how this client's attachment ended.</summary>
    public async Task<SessionEnd> AttachAsync(SessionSocket socket, bool reconnected, SessionCounters counters, CancellationToken cancellationToken)
    {
        var attachment = new Attachment(socket, counters);
        Attachment? previous;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_ended)
        {
            _gate.Release();
            var ended = await _closed.Task.ConfigureAwait(false);
            await socket.CloseAsync(ended.ToClose(), _host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
            return ended;
        }

        try
        {
            previous = _client;
            _client = attachment;
            _idle?.Dispose();
            _idle = null;
            var replay = reconnected ? _scrollback.ToArray() : [];
            await socket.SendJsonAsync(SessionFrameType.Opened, new SessionOpened { ReconnectId = Id, Reconnected = reconnected, ReplayedBytes = replay.Length },
                SessionJsonContext.Default.SessionOpened, cancellationToken).ConfigureAwait(false);
            for (var offset = 0; offset < replay.Length; offset += SessionLimits.MaxPayloadBytes)
            {
                var chunk = replay.AsMemory(offset, Math.Min(SessionLimits.MaxPayloadBytes, replay.Length - offset));
                await socket.SendAsync(SessionFrameType.Stdout, chunk.Span, cancellationToken).ConfigureAwait(false);
                counters.AddOut(chunk.Length);
            }

            if (reconnected)
            {
                AgentSessionLog.TerminalReattached(_host.Logger, Id, replay.Length);
            }
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            _client = null;
            StartIdleTimer();
            _gate.Release();
            return SessionEnd.FromFailure(ex);
        }

        _gate.Release();
        if (previous is not null)
        {
            var replaced = new SessionEnd(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "another client attached to the terminal");
            await previous.Socket.CloseAsync(replaced.ToClose(), _host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
            previous.Detached.TrySetResult(replaced);
        }

        using var receiveAbort = new CancellationTokenSource();
        var receiver = ReceiveAsync(attachment, receiveAbort.Token);
        var first = await Task.WhenAny(receiver, attachment.Detached.Task).ConfigureAwait(false);
        SessionEnd end;
        if (first == receiver)
        {
            end = await receiver.ConfigureAwait(false);
            await DetachAsync(attachment).ConfigureAwait(false);
            if (end.Reason == DisconnectReason.ProtocolError)
            {
                await socket.CloseAsync(end.ToClose(), _host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
            }
        }
        else
        {
            end = await attachment.Detached.Task.ConfigureAwait(false);
            try
            {
                await receiver.WaitAsync(_host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The client did not answer the close; the socket is dropped below.
            }
        }

        await receiveAbort.CancelAsync().ConfigureAwait(false);
        return end;
    }

    /// <summary>Closes the terminal for good with <paramref name="end"/> (shutdown, workspace stopped, idle): the group gets SIGHUP, then SIGKILL.</summary>
    public async Task CloseAsync(SessionEnd end)
    {
        Interlocked.CompareExchange(ref _stopEnd, end, null);
        await _host.KillGroupAsync(_process, SessionHost.SigHup).ConfigureAwait(false);
        try
        {
            await Pump.WaitAsync(_host.Options.KillGrace, _host.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Something outside the group still holds the terminal open: stop reading it regardless.
            await _readStop.CancelAsync().ConfigureAwait(false);
        }

        await Closed.ConfigureAwait(false);
    }

    private async Task<SessionEnd> ReceiveAsync(Attachment attachment, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (await attachment.Socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is not { } frame)
                {
                    return SessionEnd.FromClient(null);
                }

                switch (frame.Type)
                {
                    case SessionFrameType.Stdin:
                        attachment.Counters.AddIn(frame.Payload.Length);
                        try
                        {
                            await _input.WriteAsync(frame.Payload.ToArray(), cancellationToken).ConfigureAwait(false);
                        }
                        catch (System.Threading.Channels.ChannelClosedException)
                        {
                            // The terminal is closing; its end reaches the client from the pump.
                        }

                        break;
                    case SessionFrameType.Resize:
                        var (rows, cols) = SessionFrames.ReadResize(frame);
                        Resize(rows, cols);
                        break;
                    case SessionFrameType.Signal:
                        var name = SessionFrames.ReadSignal(frame);
                        if (SessionSignals.Number(name) is { } number)
                        {
                            _process.SignalGroup(number);
                        }
                        else
                        {
                            AgentSessionLog.SignalRefused(_host.Logger, Id, name);
                        }

                        break;
                    case SessionFrameType.StdinEof:
                        break;
                    case SessionFrameType.Close:
                        return SessionEnd.FromClient(attachment.Socket.ReceivedClose);
                    default:
                        throw new SessionProtocolException($"a {frame.Type} frame from the client in a terminal");
                }
            }
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            return SessionEnd.FromFailure(ex);
        }
    }

    /// <summary>Applies a size with TIOCSWINSZ (the kernel sends SIGWINCH to the foreground group); 0×0 and absurd sizes are refused.</summary>
    public bool Resize(int rows, int cols)
    {
        if (SessionLimits.SizeProblem(rows, cols) is { } problem)
        {
            AgentSessionLog.ResizeRefused(_host.Logger, Id, rows, cols, problem);
            return false;
        }

        var size = new Libc.WinSize { Rows = (ushort)rows, Cols = (ushort)cols };
        return Libc.ioctl(_master, Libc.TIOCSWINSZ, ref size) == 0;
    }

    private async Task DetachAsync(Attachment attachment)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_client == attachment)
            {
                _client = null;
                StartIdleTimer();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void StartIdleTimer()
    {
        if (_ended)
        {
            return;
        }

        _idle?.Dispose();
        var timeout = _host.Options.IdleTimeout;
        _idle = _host.Time.CreateTimer(_ => _ = CloseAsync(new SessionEnd(DisconnectReason.Graceful, DisconnectInitiator.Agent,
            $"idle timeout: no client for {timeout.TotalSeconds:0} s")), null, timeout, Timeout.InfiniteTimeSpan);
    }

    private async Task PumpAsync()
    {
        await Task.Yield();
        await foreach (var chunk in FdStreams.Read(_master, _readStop.Token).ReadAllAsync().ConfigureAwait(false))
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                _scrollback.Append(chunk);
                if (_client is { } client)
                {
                    try
                    {
                        await client.Socket.SendAsync(SessionFrameType.Stdout, chunk, CancellationToken.None).ConfigureAwait(false);
                        client.Counters.AddOut(chunk.Length);
                    }
                    catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
                    {
                        _client = null;
                        client.Detached.TrySetResult(SessionEnd.FromFailure(ex));
                        StartIdleTimer();
                    }
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        // The terminal's last slave closed: the shell has exited (or been killed).
        SessionExit? exit = null;
        try
        {
            var status = await _process.Exited.WaitAsync(_host.Options.KillGrace, _host.Time).ConfigureAwait(false);
            var (code, signal) = ChildProcess.Decode(status);
            exit = new SessionExit { Code = code, Signal = signal is { } s ? SessionSignals.Name(s) : null };
        }
        catch (TimeoutException)
        {
            // The shell closed the terminal but lives on: it is killed below.
        }

        var end = Volatile.Read(ref _stopEnd) ?? (exit is null
            ? new SessionEnd(DisconnectReason.Graceful, DisconnectInitiator.Agent, "the terminal closed")
            : SessionEnd.Exited(exit));
        await _gate.WaitAsync().ConfigureAwait(false);
        Attachment? last;
        try
        {
            _ended = true;
            _idle?.Dispose();
            last = _client;
            _client = null;
        }
        finally
        {
            _gate.Release();
        }

        if (last is not null)
        {
            try
            {
                if (exit is not null && _stopEnd is null)
                {
                    await last.Socket.SendJsonAsync(SessionFrameType.Exit, exit, SessionJsonContext.Default.SessionExit, CancellationToken.None)
                        .WaitAsync(_host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is TimeoutException || SessionEnd.IsTransportFailure(ex))
            {
                // The client is gone; the close below gives up quickly too.
            }

            await last.Socket.CloseAsync(end.ToClose(), _host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
            last.Detached.TrySetResult(end);
        }

        _input.TryComplete();
        _process.SignalGroup(SessionHost.SigKill);
        var duration = _host.Time.GetElapsedTime(_started);
        AgentSessionLog.TerminalClosed(_host.Logger, end.Reason.Expected() ? LogLevel.Information : LogLevel.Warning, Id, duration.TotalSeconds,
            ConnectionDirection.AgentToClient.Value, end.Reason.LogValue, end.Reason.Expected(), end.Initiator.LogValue, end.Detail);
        _onClosed(this);
        _closed.TrySetResult(end);
    }

    private sealed class Attachment(SessionSocket socket, SessionCounters counters)
    {
        public SessionSocket Socket { get; } = socket;

        public SessionCounters Counters { get; } = counters;

        public TaskCompletionSource<SessionEnd> Detached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
