using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;

namespace Outpost.Agent.Transport;

/// <summary>The control plane over a <see cref="WebSocket"/>: one JSON <see cref="AgentControlMessage"/> per text message.</summary>
internal sealed class WebSocketControlPlaneConnection(WebSocket socket) : IControlPlaneConnection
{
    /// <summary>No control message comes near this; a bigger one is a protocol error, not a reason to buffer without bound.</summary>
    internal const int MaxMessageBytes = 1 << 20;

    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _receiveBuffer = new(4096);

    public async Task SendAsync(AgentControlMessage message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, OutpostJson.Options);
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public async Task<ControlPlaneFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        _receiveBuffer.ResetWrittenCount();
        while (true)
        {
            var result = await socket.ReceiveAsync(_receiveBuffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await AnswerCloseAsync(cancellationToken).ConfigureAwait(false);
                return ControlPlaneFrame.Closed((int)(socket.CloseStatus ?? WebSocketCloseStatus.Empty), socket.CloseStatusDescription);
            }

            _receiveBuffer.Advance(result.Count);
            if (_receiveBuffer.WrittenCount > MaxMessageBytes)
            {
                return ControlPlaneFrame.Invalid($"a control message was larger than {MaxMessageBytes} bytes");
            }

            if (!result.EndOfMessage)
            {
                continue;
            }

            if (result.MessageType != WebSocketMessageType.Text)
            {
                return ControlPlaneFrame.Invalid("the server sent a binary frame; the control plane carries JSON text");
            }

            try
            {
                var message = JsonSerializer.Deserialize<AgentControlMessage>(_receiveBuffer.WrittenSpan, OutpostJson.Options);
                return message is null ? ControlPlaneFrame.Invalid("the server sent a null message") : ControlPlaneFrame.Of(message);
            }
            catch (JsonException ex)
            {
                return ControlPlaneFrame.Invalid($"unreadable control message: {ex.Message}");
            }
            catch (NotSupportedException ex)
            {
                return ControlPlaneFrame.Invalid($"unknown control message: {ex.Message}");
            }
        }
    }

    public async Task CloseAsync(string description, CancellationToken cancellationToken)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, description, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes the closing handshake the server started, so it sees a clean end rather than a dropped socket.</summary>
    private async Task AnswerCloseAsync(CancellationToken cancellationToken)
    {
        if (socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // The server already went away; its close frame is what counts.
        }
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        _sendGate.Dispose();
        return ValueTask.CompletedTask;
    }
}
