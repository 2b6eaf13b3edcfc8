using System.Collections.Concurrent;

namespace Outpost.Server.Throttling;

/// <summary>
/// Failed attempts per key in a fixed window, counted atomically: an attempt reserves its failure
/// before the slow check runs (a password hash), and gives it back only when it succeeds, so
/// concurrent guesses cannot all slip past the limit before any of them is counted.
/// </summary>
internal sealed class FailureCounter(int limit, TimeSpan window, TimeProvider time)
{
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public int Limit => limit;

    /// <summary>Reserves one failure for <paramref name="key"/>; false (with when to retry) when the limit is reached.</summary>
    public bool TryReserve(string key, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        PruneIfLarge(now);
        var entry = _windows.GetOrAdd(key, static (_, start) => new Window(start), now);
        lock (entry)
        {
            if (now - entry.Start >= window)
            {
                entry.Start = now;
                entry.Count = 0;
            }

            retryAfter = entry.Start + window - now;
            if (entry.Count >= limit)
            {
                return false;
            }

            entry.Count++;
            return true;
        }
    }

    /// <summary>True when <paramref name="key"/> has no failure left in its window; spends nothing.</summary>
    public bool IsExhausted(string key, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        retryAfter = TimeSpan.Zero;
        if (!_windows.TryGetValue(key, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            retryAfter = entry.Start + window - now;
            return now - entry.Start < window && entry.Count >= limit;
        }
    }

    /// <summary>Gives back a reservation whose attempt succeeded.</summary>
    public void Release(string key)
    {
        if (_windows.TryGetValue(key, out var entry))
        {
            lock (entry)
            {
                entry.Count = Math.Max(0, entry.Count - 1);
            }
        }
    }

    private void PruneIfLarge(DateTimeOffset now)
    {
        if (_windows.Count <= PruneAbove)
        {
            return;
        }

        foreach (var (key, entry) in _windows)
        {
            if (now - entry.Start >= window)
            {
                _windows.TryRemove(key, out _);
            }
        }
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; set; } = start;

        public int Count { get; set; }
    }
}
