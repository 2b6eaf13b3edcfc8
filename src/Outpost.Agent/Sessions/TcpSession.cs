using System.Net.Sockets;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>
/// A <c>tcp</c> session (a stream to a host and port inside the workspace, 127.0.0.1 unless named) or an <c>ssh</c>
/// session (the same to the agent's SSH port, opened only once the SSH server has greeted, so that a port that
/// accepts and then closes is told apart from a working server).
/// </summary>
internal sealed class TcpSession(SessionHost host, SessionSocket socket, SessionHeader header, SessionCounters counters)
{
    private readonly bool _ssh = header.Kind == SessionKind.Ssh;
    private readonly string _target = string.IsNullOrEmpty(header.Host) ? "127.0.0.1" : header.Host;
    private readonly int _port = header.Kind == SessionKind.Ssh ? host.Options.SshPort : header.Port;

    public async Task<SessionEnd> RunAsync(Func<SessionEnd> stopEnd, CancellationToken stopping)
    {
        using var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var greeting = new byte[SessionLimits.MaxPayloadBytes];
        var greeted = 0;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(host.Options.DialTimeout);
            await tcp.ConnectAsync(_target, _port, timeout.Token).ConfigureAwait(false);
            if (_ssh)
            {
                greeted = await tcp.ReceiveAsync(greeting, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (greeted == 0)
                {
                    return await RefuseAsync($"the SSH port {_port} inside the workspace closed the connection before the server greeted").ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !stopping.IsCancellationRequested)
        {
            var refused = ex is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            var why = refused ? "connection refused"
                : ex is OperationCanceledException ? $"no answer within {host.Options.DialTimeout.TotalSeconds:0} s"
                : ((SocketException)ex).Message;
            return await RefuseAsync(!_ssh ? $"{why} inside the workspace ({_target}:{_port})"
                : refused ? $"no SSH server listens inside the workspace (port {_port}: connection refused)"
                : $"the SSH port {_port} inside the workspace refused the connection: {why}").ConfigureAwait(false);
        }

        await socket.SendJsonAsync(SessionFrameType.Opened, new SessionOpened(), SessionJsonContext.Default.SessionOpened, stopping).ConfigureAwait(false);
        if (greeted > 0)
        {
            await socket.SendAsync(SessionFrameType.Stdout, greeting.AsSpan(0, greeted), stopping).ConfigureAwait(false);
            counters.AddOut(greeted);
        }

        using var abort = new CancellationTokenSource();
        var up = UpAsync(tcp, abort.Token);
        var down = DownAsync(tcp, greeting, abort.Token);
        var stop = new TaskCompletionSource<SessionEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = stopping.Register(() => stop.TrySetResult(stopEnd()));
        var first = await Task.WhenAny(up, down, stop.Task).ConfigureAwait(false);
        var end = await first.ConfigureAwait(false);
        if (first != up)
        {
            // The workspace side ended (or the agent stops): tell the client; it answers with its own close.
            await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
            try
            {
                await up.WaitAsync(host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Dropped below.
            }
        }
        else if (end.Reason == DisconnectReason.ProtocolError)
        {
            await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
        }

        await abort.CancelAsync().ConfigureAwait(false);
        return end;
    }

    private async Task<SessionEnd> RefuseAsync(string detail)
    {
        var refused = new SessionEnd(DisconnectReason.NetworkError, DisconnectInitiator.Agent, detail);
        await socket.CloseAsync(refused.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
        return refused;
    }

    private async Task<SessionEnd> UpAsync(Socket tcp, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is not { } frame)
                {
                    return SessionEnd.FromClient(null);
                }

                switch (frame.Type)
                {
                    case SessionFrameType.Stdin:
                        counters.AddIn(frame.Payload.Length);
                        await tcp.SendAsync(frame.Payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                        break;
                    case SessionFrameType.StdinEof:
                        tcp.Shutdown(SocketShutdown.Send);
                        break;
                    case SessionFrameType.Close:
                        return SessionEnd.FromClient(socket.ReceivedClose);
                    default:
                        throw new SessionProtocolException($"a {frame.Type} frame from the client in a {(_ssh ? "ssh" : "tcp")} session");
                }
            }
        }
        catch (SocketException ex)
        {
            return new SessionEnd(DisconnectReason.NetworkError, DisconnectInitiator.Network, $"the connection inside the workspace broke: {ex.Message}");
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            return SessionEnd.FromFailure(ex);
        }
    }

    private async Task<SessionEnd> DownAsync(Socket tcp, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var count = await tcp.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    return new SessionEnd(DisconnectReason.Graceful, DisconnectInitiator.Agent, $"{_port}: the workspace side closed the connection");
                }

                await socket.SendAsync(SessionFrameType.Stdout, buffer.AsSpan(0, count), cancellationToken).ConfigureAwait(false);
                counters.AddOut(count);
            }
        }
        catch (SocketException ex)
        {
            return new SessionEnd(DisconnectReason.NetworkError, DisconnectInitiator.Network, $"the connection inside the workspace broke: {ex.Message}");
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            return SessionEnd.FromFailure(ex);
        }
    }
}
