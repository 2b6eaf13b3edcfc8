using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Outpost.Telemetry;

/// <summary>
/// Ids as lowercase hex (spec §2.1): event ids are 8 bytes (an OTel span id), trace and session
/// ids 16 bytes. Trace and event ids are kept as numbers on the hot path and formatted only when
/// read, usually by the background writer. They need to be unique, not secret, so they come from
/// the shared generator (seeded by the operating system's cryptographic source) as OpenTelemetry's
/// own ids do; a cryptographic call per span cost more than the rest of the span. Session ids,
/// made once per process, use the cryptographic generator directly (spec §11.2).
/// </summary>
internal static class TelemetryIds
{
    public static ulong NewEventIdValue()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            Random.Shared.NextBytes(bytes);
            value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        while (value == 0); // all-zero ids are invalid in OpenTelemetry

        return value;
    }

    public static UInt128 NewTraceIdValue()
    {
        Span<byte> bytes = stackalloc byte[16];
        UInt128 value;
        do
        {
            Random.Shared.NextBytes(bytes);
            value = BinaryPrimitives.ReadUInt128LittleEndian(bytes);
        }
        while (value == UInt128.Zero);

        return value;
    }

    public static string NewEventId() => Format(NewEventIdValue());

    public static string NewTraceId() => Format(NewTraceIdValue());

    public static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string Format(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return Convert.ToHexStringLower(bytes);
    }

    public static string Format(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return Convert.ToHexStringLower(bytes);
    }
}
