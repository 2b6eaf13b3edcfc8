using System.Security.Cryptography;

namespace Outpost.Telemetry;

/// <summary>
/// Random ids as lowercase hex (spec §2.1, §11.2): event ids are 8 bytes (an OTel span id),
/// trace and session ids 16 bytes. Bytes come from the cryptographic RNG in 256-byte blocks per
/// thread, because one RNG call per span would dominate the cost of a span.
/// </summary>
internal static class TelemetryIds
{
    private const int PoolSize = 256;

    [ThreadStatic]
    private static byte[]? _pool;

    [ThreadStatic]
    private static int _offset;

    public static string NewEventId() => Next(8);

    public static string NewTraceId() => Next(16);

    public static string NewSessionId() => Next(16);

    private static string Next(int count)
    {
        var pool = _pool;
        if (pool is null)
        {
            pool = _pool = new byte[PoolSize];
            _offset = PoolSize;
        }

        if (_offset + count > PoolSize)
        {
            RandomNumberGenerator.Fill(pool);
            _offset = 0;
        }

        var bytes = pool.AsSpan(_offset, count);
        _offset += count;
        var id = Convert.ToHexStringLower(bytes);
        // Each byte is handed out once; clearing keeps used randomness from lingering in memory.
        bytes.Clear();
        return id;
    }
}
