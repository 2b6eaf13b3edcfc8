using System.Globalization;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// A lifecycle action that closes runs (run-observability-spec §9.1): whoever initiates a close (a task stop, a
/// workspace stop, the agent shutting down or reinitialising) creates one and hands it to every run it closes, so the
/// run records who closed it instead of an <c>unknown_scope_close</c>. The id and the kind always come together, which
/// rules out §11.4's "id without a kind" by construction.
/// </summary>
/// <param name="ActionId">The id: <c>lifecycle:</c>, the kind, <c>:</c>, the creation time in ms (base 36), <c>:</c>, a process-wide counter (base 36).</param>
/// <param name="Kind">The kind.</param>
public sealed record LifecycleCloseAction(string ActionId, LifecycleKind Kind)
{
    private static long _counter;

    /// <summary>A new action with a process-unique id.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="time">The wall clock.</param>
    /// <returns>The action.</returns>
    public static LifecycleCloseAction Create(LifecycleKind kind, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var counter = Interlocked.Increment(ref _counter);
        var id = string.Create(CultureInfo.InvariantCulture, $"lifecycle:{WireName.Of(kind)}:{Base36(time.GetUtcNow().ToUnixTimeMilliseconds())}:{Base36(counter)}");
        return new LifecycleCloseAction(id, kind);
    }

    private static string Base36(long value)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        value = Math.Max(0, value);
        Span<char> buffer = stackalloc char[16];
        var i = buffer.Length;
        do
        {
            buffer[--i] = Digits[(int)(value % 36)];
            value /= 36;
        }
        while (value > 0);
        return new string(buffer[i..]);
    }
}
