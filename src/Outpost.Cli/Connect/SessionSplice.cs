using System.Net.WebSockets;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Cli.Connect;

/// <summary>
/// Joins a local byte stream to an opened byte session (<c>tcp</c>, <c>ssh</c>) in both directions until either side
/// ends it: a forwarded connection's socket, or <c>outpost ssh --stdio</c>'s stdin and stdout. A local end of input
/// is passed on as a half-close; when the session closes, the local output is closed.
/// </summary>
internal static class SessionSplice
{
    /// <summary>How long the upload may take to notice the end: a blocked read of stdin cannot be canceled, and the process may exit without it.</summary>
    private static readonly TimeSpan UploadGrace = TimeSpan.FromSeconds(2);

    /// <summary>Both directions until the session ends; how it ended. <paramref name="closeOutput"/> runs once at the end.</summary>
    public static async Task<SessionClose> RunAsync(SessionSocket session, Stream input, Stream output, Action closeOutput, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stopUp = new CancellationTokenSource();
        var up = UpAsync(session, input, stopUp.Token);
        SessionClose close;
        try
        {
            close = await DownAsync(session, output, up, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or SessionProtocolException or OperationCanceledException)
        {
            close = Failure(ex, cancellationToken);
            await session.CloseAsync(close, TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
        }

        await stopUp.CancelAsync().ConfigureAwait(false);
        closeOutput();
        await Task.WhenAny(up, Task.Delay(UploadGrace, time, CancellationToken.None)).ConfigureAwait(false);
        return close;
    }

    /// <summary>The workspace's bytes to the local output until the session closes; a local side that goes away closes the session.</summary>
    private static async Task<SessionClose> DownAsync(SessionSocket session, Stream output, Task<SessionClose?> up, TimeProvider time, CancellationToken cancellationToken)
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
                // The local side went away, or Ctrl-C: tell the agent.
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
                    await output.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    var gone = SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, $"the local side closed: {ex.Message}");
                    await session.CloseAsync(gone, TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
                    return gone;
                }
            }

            receive = session.ReceiveAsync(CancellationToken.None);
        }
    }

    /// <summary>The local input to the workspace; null after a half-close (EOF was passed on), a close when the local side broke.</summary>
    private static async Task<SessionClose?> UpAsync(SessionSocket session, Stream input, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[SessionLimits.MaxPayloadBytes];
        try
        {
            while (true)
            {
                int count;
                try
                {
                    count = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    return SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, $"the local side broke: {ex.Message}");
                }

                if (count == 0)
                {
                    await session.SendAsync(SessionFrameType.StdinEof, [], cancellationToken).ConfigureAwait(false);
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }

                await session.SendAsync(SessionFrameType.Stdin, buffer.AsSpan(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
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
}
