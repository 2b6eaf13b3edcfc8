using Microsoft.Extensions.Logging;

namespace Outpost.Testing;

/// <summary>One structured log entry: its id, level, rendered message and named values.</summary>
public sealed record LogEntry(int EventId, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Fields)
{
    public string Field(string name) => Convert.ToString(Fields[name], System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
}

/// <summary>Keeps every entry and lets a test wait for one instead of sleeping.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Seen)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<LogEntry> WithId(int eventId) => [.. Entries.Where(e => e.EventId == eventId)];

    public Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match)
    {
        lock (_gate)
        {
            if (_entries.FirstOrDefault(match) is { } existing)
            {
                return Task.FromResult(existing);
            }

            var seen = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, seen));
            return seen.Task.WaitAsync(TestTimeouts.Default);
        }
    }

    /// <summary>Waits for the <paramref name="count"/>-th entry with this id.</summary>
    public async Task<LogEntry> WaitForIdAsync(int eventId, int count = 1)
    {
        var seen = 0;
        return await WaitForAsync(e => e.EventId == eventId && ++seen >= count);
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs)
            {
                fields[key] = value;
            }
        }

        var entry = new LogEntry(eventId.Id, logLevel, formatter(state, exception), fields);
        List<TaskCompletionSource<LogEntry>> matched = [];
        lock (_gate)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    matched.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(entry);
        }
    }
}
