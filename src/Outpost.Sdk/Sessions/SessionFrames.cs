using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outpost.Sdk.Sessions;

/// <summary>
/// The session wire format. A frame is one byte of <see cref="SessionFrameType"/>, the payload's length
/// as a big-endian 32-bit number, and the payload (at most <see cref="SessionLimits.MaxPayloadBytes"/>).
/// Over a WebSocket every binary message is exactly one frame. Anything else is a protocol error.
/// </summary>
public static class SessionFrames
{
    /// <summary>The type byte and the length.</summary>
    public const int HeaderBytes = 5;

    /// <summary>Writes a frame into <paramref name="destination"/>; returns its length.</summary>
    public static int Write(SessionFrameType type, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (payload.Length > SessionLimits.MaxPayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), $"a frame's payload is at most {SessionLimits.MaxPayloadBytes} bytes");
        }

        destination[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(destination[1..], payload.Length);
        payload.CopyTo(destination[HeaderBytes..]);
        return HeaderBytes + payload.Length;
    }

    /// <summary>A new array holding one frame.</summary>
    public static byte[] Encode(SessionFrameType type, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderBytes + payload.Length];
        Write(type, payload, frame);
        return frame;
    }

    /// <summary>A frame whose payload is <paramref name="value"/> as JSON.</summary>
    public static byte[] EncodeJson<T>(SessionFrameType type, T value, JsonTypeInfo<T> info) =>
        Encode(type, JsonSerializer.SerializeToUtf8Bytes(value, info));

    /// <summary>A resize frame.</summary>
    public static byte[] Resize(int rows, int cols)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)rows);
        BinaryPrimitives.WriteUInt16BigEndian(payload[2..], (ushort)cols);
        return Encode(SessionFrameType.Resize, payload);
    }

    /// <summary>A signal frame.</summary>
    public static byte[] Signal(string name) => Encode(SessionFrameType.Signal, Encoding.UTF8.GetBytes(name));

    /// <summary>A close frame.</summary>
    public static byte[] Close(SessionClose close) => EncodeJson(SessionFrameType.Close, close, SessionJsonContext.Default.SessionClose);

    /// <summary>Reads exactly one frame from <paramref name="message"/>; throws <see cref="SessionProtocolException"/> for anything else.</summary>
    public static SessionFrame Decode(ReadOnlyMemory<byte> message)
    {
        if (message.Length < HeaderBytes)
        {
            throw new SessionProtocolException($"a frame of {message.Length} bytes is shorter than its {HeaderBytes}-byte header");
        }

        var span = message.Span;
        var type = (SessionFrameType)span[0];
        if (!Enum.IsDefined(type))
        {
            throw new SessionProtocolException($"unknown frame type {span[0]}");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(span[1..]);
        if (length is < 0 or > SessionLimits.MaxPayloadBytes)
        {
            throw new SessionProtocolException($"a {type} frame announced {length} bytes; the limit is {SessionLimits.MaxPayloadBytes}");
        }

        if (length != message.Length - HeaderBytes)
        {
            throw new SessionProtocolException($"a {type} frame announced {length} bytes but carried {message.Length - HeaderBytes}");
        }

        var frame = new SessionFrame(type, message[HeaderBytes..]);
        if (type == SessionFrameType.Resize && length != 4)
        {
            throw new SessionProtocolException($"a resize frame carries 4 bytes, not {length}");
        }

        return frame;
    }

    /// <summary>Reads a JSON payload; throws <see cref="SessionProtocolException"/> when it is not one.</summary>
    public static T ReadJson<T>(SessionFrame frame, JsonTypeInfo<T> info)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(frame.Payload.Span, info)
                ?? throw new SessionProtocolException($"a {frame.Type} frame carried JSON null");
        }
        catch (JsonException ex)
        {
            throw new SessionProtocolException($"a {frame.Type} frame is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a resize payload: rows and columns.</summary>
    public static (int Rows, int Cols) ReadResize(SessionFrame frame)
    {
        var span = frame.Payload.Span;
        return (BinaryPrimitives.ReadUInt16BigEndian(span), BinaryPrimitives.ReadUInt16BigEndian(span[2..]));
    }

    /// <summary>Reads a signal name.</summary>
    public static string ReadSignal(SessionFrame frame)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(frame.Payload.Span);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SessionProtocolException("a signal frame is not UTF-8", ex);
        }
    }
}
