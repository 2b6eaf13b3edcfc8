using System.Diagnostics.Metrics;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Tasks;

/// <summary>The AI seat instruments on the server's meter.</summary>
internal static class AiSeatMetrics
{
    private static int _inUse;

    public static readonly Counter<long> Writes = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_ai_seat_writes",
        unit: null,
        description: "AI seat upserts sent to the database (at most one per user per debounce window per replica).");

    public static readonly Counter<long> Debounced = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_ai_seat_writes_debounced",
        unit: null,
        description: "AI uses not written because the user's seat was written within the debounce window.");

    private static readonly ObservableGauge<int> InUse = ServerDiagnostics.Meter.CreateObservableGauge(
        "outpost_ai_seats_in_use",
        static () => Volatile.Read(ref _inUse),
        unit: null,
        description: "Active users holding an AI seat (read from the database at start, on every new seat and every refresh).");

    public static void SetInUse(int count) => Volatile.Write(ref _inUse, count);

    public static void EnsureInstruments()
    {
        GC.KeepAlive(Writes);
        GC.KeepAlive(Debounced);
        GC.KeepAlive(InUse);
    }
}
