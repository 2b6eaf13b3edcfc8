using Outpost.Testing;

namespace Outpost.Agent.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also says when a timer was created, so a test advances the
/// clock only once the code under test is actually waiting (no race between Advance and Delay).
/// </summary>
internal sealed class ObservedClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TimeSpan, int> _created = [];
    private readonly Dictionary<TimeSpan, int> _consumed = [];
    private readonly List<(TimeSpan Due, int Count, TaskCompletionSource Seen)> _waiters = [];

    public FakeTimeProvider Inner { get; } = new();

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Inner.LocalTimeZone;

    public void Advance(TimeSpan by) => Inner.Advance(by);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Inner.CreateTimer(callback, state, dueTime, period);
        List<TaskCompletionSource> seen = [];
        lock (_gate)
        {
            _created[dueTime] = _created.GetValueOrDefault(dueTime) + 1;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Due == dueTime && _created[dueTime] >= _waiters[i].Count)
                {
                    seen.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in seen)
        {
            waiter.TrySetResult();
        }

        return timer;
    }

    /// <summary>Waits for the next timer (not waited for before) due after <paramref name="due"/>.</summary>
    public Task WaitForTimerAsync(TimeSpan due)
    {
        lock (_gate)
        {
            var wanted = _consumed[due] = _consumed.GetValueOrDefault(due) + 1;
            if (_created.GetValueOrDefault(due) >= wanted)
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((due, wanted, seen));
            return seen.Task.WithTimeout();
        }
    }

    /// <summary>Waits until the code is waiting <paramref name="due"/>, then lets that time pass.</summary>
    public async Task PassAsync(TimeSpan due)
    {
        await WaitForTimerAsync(due);
        Advance(due);
    }
}
