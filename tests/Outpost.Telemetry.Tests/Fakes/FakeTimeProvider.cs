namespace Outpost.Telemetry.Tests.Fakes;

/// <summary>
/// A hand-written clock: wall time and the monotonic timestamp move only when a test says so,
/// and timers fire inside <see cref="Advance"/>. The wall clock can also jump backwards on its own.
/// </summary>
internal sealed class FakeTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _utcNow;
    private long _ticks;

    public FakeTimeProvider(DateTimeOffset? start = null)
    {
        _utcNow = start ?? new DateTimeOffset(2026, 5, 4, 12, 0, 0, TimeSpan.Zero);
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _utcNow;
        }
    }

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _ticks;
        }
    }

    /// <summary>Moves the wall clock only, as an NTP correction would; the monotonic clock stays.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_gate)
        {
            _utcNow = value;
        }
    }

    public void Advance(TimeSpan by)
    {
        List<FakeTimer> due;
        lock (_gate)
        {
            _utcNow += by;
            _ticks += by.Ticks;
            due = [];
            foreach (var timer in _timers)
            {
                while (timer.DueAt is { } at && at <= _ticks)
                {
                    due.Add(timer);
                    timer.DueAt = timer.Period > 0 ? at + timer.Period : null;
                }
            }
        }

        foreach (var timer in due)
        {
            timer.Callback(timer.State);
        }
    }

    public int ActiveTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(static t => t.DueAt is not null);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
            timer.Schedule(_ticks, dueTime, period);
        }

        return timer;
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public long? DueAt { get; set; }

        public long Period { get; private set; }

        public void Schedule(long now, TimeSpan dueTime, TimeSpan period)
        {
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : now + dueTime.Ticks;
            Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                Schedule(owner._ticks, dueTime, period);
            }

            return true;
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
