using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json.Serialization.Metadata;

namespace Outpost.Sdk.Sessions;

/// <summary>
/// Session frames over a WebSocket: one binary message per frame, at most
/// <see cref="SessionLimits.MaxFrameBytes"/>. Sends are serialized and awaited, so a slow reader at
/// the other end slows the sender (TCP backpressure) instead of growing a buffer.
/// </summary>
public sealed class SessionSocket : IDisposable
{
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private byte[]? _buffer;
    private byte[]? _second;
    private bool _secondLast = true;
    private long _sent;
    private long _received;

    /// <summary>Wraps an open WebSocket.</summary>
    public SessionSocket(WebSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
    }

    /// <summary>The WebSocket underneath.</summary>
    public WebSocket Socket { get; }

    /// <summary>Bytes of the frames sent so far (headers included).</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>Bytes of the frames received so far (headers included).</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    /// <summary>Set once a <see cref="SessionFrameType.Close"/> frame has been received.</summary>
    public SessionClose? ReceivedClose { get; private set; }

    /// <summary>Sends an encoded frame.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _sent, frame.Length);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends a frame with the given payload, encoded into a pooled buffer (data frames allocate nothing).</summary>
    public Task SendAsync(SessionFrameType type, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SessionFrames.HeaderBytes + payload.Length);
        var length = SessionFrames.Write(type, payload, buffer);
        return SendPooledAsync(buffer, length, cancellationToken);
    }

    private async Task SendPooledAsync(byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends a frame with a JSON payload.</summary>
    public Task SendJsonAsync<T>(SessionFrameType type, T value, JsonTypeInfo<T> info, CancellationToken cancellationToken) =>
        SendAsync(SessionFrames.EncodeJson(type, value, info), cancellationToken);

    /// <summary>
    /// The next frame; null when the peer closed the WebSocket. Throws <see cref="SessionProtocolException"/>
    /// for garbage (a text message, an oversized or malformed frame), and WebSocket or IO exceptions when the
    /// transport breaks.
    /// </summary>
    public async Task<SessionFrame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var message = await ReceiveRawAsync(cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return null;
        }

        var frame = SessionFrames.Decode(message.Value);
        if (frame.Type == SessionFrameType.Close)
        {
            ObserveClose(frame);
        }

        return frame;
    }

    /// <summary>Records a close frame read with <see cref="ReceiveRawAsync"/> (a relay that forwards frames unparsed).</summary>
    public SessionClose ObserveClose(SessionFrame frame)
    {
        var close = SessionFrames.ReadJson(frame, SessionJsonContext.Default.SessionClose);
        ReceivedClose = close;
        return close;
    }

    /// <summary>The next whole binary message (unparsed, for relays); null when the peer closed the WebSocket.</summary>
    public Task<ReadOnlyMemory<byte>?> ReceiveRawAsync(CancellationToken cancellationToken) =>
        // Allocated at the first receive, so a socket that only sends costs nothing.
        ReceiveIntoAsync(_buffer ??= new byte[SessionLimits.MaxFrameBytes], cancellationToken);

    /// <summary>
    /// Like <see cref="ReceiveRawAsync(CancellationToken)"/>, but alternating between two buffers, so a message stays
    /// valid through the next receive (not the one after): a relay sends one frame while it receives the next. The
    /// second buffer is allocated at the second such receive, so an idle session holds one.
    /// </summary>
    public Task<ReadOnlyMemory<byte>?> ReceiveRawAlternatingAsync(CancellationToken cancellationToken)
    {
        _secondLast = !_secondLast;
        var buffer = _secondLast ? _second ??= new byte[SessionLimits.MaxFrameBytes] : _buffer ??= new byte[SessionLimits.MaxFrameBytes];
        return ReceiveIntoAsync(buffer, cancellationToken);
    }

    private async Task<ReadOnlyMemory<byte>?> ReceiveIntoAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            if (count == buffer.Length)
            {
                throw new SessionProtocolException($"a message longer than {SessionLimits.MaxFrameBytes} bytes");
            }

            var result = await Socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            if (result.MessageType != WebSocketMessageType.Binary)
            {
                throw new SessionProtocolException("a text message where a binary frame belongs");
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                Interlocked.Add(ref _received, count);
                return buffer.AsMemory(0, count);
            }
        }
    }

    /// <summary>Sends a close frame and closes the WebSocket's output; never throws for a peer that has gone.</summary>
    public async Task CloseAsync(SessionClose close, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(close);
        ArgumentNullException.ThrowIfNull(time);
        using var deadline = new CancellationTokenSource(timeout, time);
        try
        {
            if (Socket.State == WebSocketState.Open || Socket.State == WebSocketState.CloseReceived)
            {
                await SendAsync(SessionFrames.Close(close), deadline.Token).ConfigureAwait(false);
                var status = close.DisconnectReason == Agents.DisconnectReason.ProtocolError ? WebSocketCloseStatus.ProtocolError : WebSocketCloseStatus.NormalClosure;
                await Socket.CloseOutputAsync(status, close.Reason, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Socket.Abort();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _sendGate.Dispose();
        Socket.Dispose();
    }
}
