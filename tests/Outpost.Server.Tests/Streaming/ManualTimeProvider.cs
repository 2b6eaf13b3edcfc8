namespace Outpost.Server.Tests.Streaming;

/// <summary>A clock that moves only when a test advances it, and tells the test when code is waiting on it.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<(Func<TimeSpan, bool> Matches, TaskCompletionSource Seen)> _waiters = [];

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Completes once at least one timer is scheduled.</summary>
    public Task WaitForTimerAsync() => WaitForTimerAsync(static _ => true);

    /// <summary>Completes once a timer is scheduled whose time left until it fires matches.</summary>
    public Task WaitForTimerAsync(Func<TimeSpan, bool> dueIn)
    {
        lock (_gate)
        {
            if (_timers.Any(t => dueIn(t.DueAt - _now)))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueIn, seen));
            return seen.Task;
        }
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_gate)
        {
            _now += by;
            due = _timers.Where(t => t.DueAt <= _now).ToList();
            foreach (var timer in due)
            {
                _timers.Remove(timer);
            }
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    private void Schedule(ManualTimer timer, DateTimeOffset? dueAt)
    {
        List<TaskCompletionSource> seen = [];
        lock (_gate)
        {
            _timers.Remove(timer);
            timer.DueAt = dueAt ?? DateTimeOffset.MaxValue;
            if (dueAt is not null)
            {
                _timers.Add(timer);
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Matches(dueAt.Value - _now))
                    {
                        seen.Add(_waiters[i].Seen);
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }

        foreach (var waiter in seen)
        {
            waiter.TrySetResult();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset DueAt { get; set; } = DateTimeOffset.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            owner.Schedule(this, dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime);
            return true;
        }

        public void Fire()
        {
            callback(state);
            if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
            {
                owner.Schedule(this, owner.GetUtcNow() + _period);
            }
        }

        public void Dispose() => owner.Schedule(this, null);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
