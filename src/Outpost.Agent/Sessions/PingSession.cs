using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>A <c>ping</c> session: every stdin frame comes straight back as a stdout frame of the same bytes, until the client closes.</summary>
internal static class PingSession
{
    public static async Task<SessionEnd> RunAsync(SessionHost host, SessionSocket socket, SessionCounters counters, Func<SessionEnd> stopEnd, CancellationToken stopping)
    {
        await socket.SendJsonAsync(SessionFrameType.Opened, new SessionOpened(), SessionJsonContext.Default.SessionOpened, stopping).ConfigureAwait(false);
        var echo = EchoAsync(socket, counters);
        var stop = new TaskCompletionSource<SessionEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = stopping.Register(() => stop.TrySetResult(stopEnd()));
        var first = await Task.WhenAny(echo, stop.Task).ConfigureAwait(false);
        var end = await first.ConfigureAwait(false);
        if (first != echo || end.Reason == Sdk.Agents.DisconnectReason.ProtocolError)
        {
            await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
        }

        return end;
    }

    private static async Task<SessionEnd> EchoAsync(SessionSocket socket, SessionCounters counters)
    {
        try
        {
            // Receives are not canceled (that would abort the WebSocket): a stop closes the socket instead.
            while (await socket.ReceiveAsync(CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case SessionFrameType.Stdin:
                        counters.AddIn(frame.Payload.Length);
                        await socket.SendAsync(SessionFrameType.Stdout, frame.Payload.Span, CancellationToken.None).ConfigureAwait(false);
                        counters.AddOut(frame.Payload.Length);
                        break;
                    case SessionFrameType.Close:
                        return SessionEnd.FromClient(socket.ReceivedClose);
                    default:
                        throw new SessionProtocolException($"a {frame.Type} frame from the client in a ping session");
                }
            }

            return SessionEnd.FromClient(null);
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            return SessionEnd.FromFailure(ex);
        }
    }
}
