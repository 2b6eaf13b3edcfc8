using System.Buffers.Binary;

namespace Outpost.Testing;

/// <summary>
/// One field of a protobuf message as a test reads OTLP payloads by hand (the collector is a fake at that
/// boundary): varints and fixed values in <see cref="Value"/>, length-delimited ones in <see cref="Bytes"/>.
/// </summary>
public readonly record struct ProtoField(int Number, ulong Value, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>The text of a length-delimited field.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Bytes.Span);

    /// <summary>The fields of a protobuf message, in order.</summary>
    public static IEnumerable<ProtoField> Read(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message.Span, ref position);
            var number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    yield return new ProtoField(number, Varint(message.Span, ref position), default);
                    break;
                case 1:
                    yield return new ProtoField(number, BinaryPrimitives.ReadUInt64LittleEndian(message.Span[position..]), default);
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message.Span, ref position);
                    yield return new ProtoField(number, 0, message.Slice(position, length));
                    position += length;
                    break;
                case 5:
                    yield return new ProtoField(number, BinaryPrimitives.ReadUInt32LittleEndian(message.Span[position..]), default);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {key & 7} of field {number} is not protobuf this test reads");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
