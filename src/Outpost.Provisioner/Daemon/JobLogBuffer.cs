using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// The unsent log lines of one job. Bounded: once <c>capacity</c> lines wait, new lines are
/// counted and dropped, and one line saying how many were dropped takes their place in the
/// stream, so a provisioner that floods its output slows nothing and exhausts no memory.
/// </summary>
internal sealed class JobLogBuffer : IJobLog
{
    /// <summary>Longer lines are cut; a build log is for people, and one runaway line must not fill an update.</summary>
    public const int MaxLineLength = 4096;

    private readonly Lock _gate = new();
    private readonly Queue<ProvisionerLogLine> _lines = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly int _batchSize;
    private readonly Action _wake;
    private long _droppedSinceMarker;
    private string _lastStage = string.Empty;

    /// <summary><paramref name="wake"/> is called when the sender should look again: the first line arrived, or a batch filled.</summary>
    public JobLogBuffer(TimeProvider time, int capacity, int batchSize, Action wake)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _capacity = capacity;
        _batchSize = batchSize;
        _wake = wake;
    }

    /// <summary>Every line dropped so far in this job.</summary>
    public long TotalDropped { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>True while a line, or the news that lines were dropped, waits to be sent.</summary>
    public bool HasLines
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count > 0 || _droppedSinceMarker > 0;
            }
        }
    }

    /// <summary>When the oldest unsent line was written; null when none waits.</summary>
    public DateTimeOffset? OldestAt
    {
        get
        {
            lock (_gate)
            {
                return _lines.TryPeek(out var line) ? line.CreatedAt : null;
            }
        }
    }

    public void Write(ProvisionerLogLevel level, string stage, string output) =>
        Add(level, stage, output, ProvisionerLogSource.Provisioner);

    /// <summary>A line from the daemon itself (shutdown, cancel), by default in the stage of the last line written.</summary>
    public void WriteDaemon(ProvisionerLogLevel level, string output, string? stage = null)
    {
        if (stage is null)
        {
            lock (_gate)
            {
                stage = _lastStage;
            }
        }

        Add(level, stage, output, ProvisionerLogSource.ProvisionerDaemon);
    }

    /// <summary>Up to <paramref name="max"/> lines, oldest first.</summary>
    public List<ProvisionerLogLine> Take(int max)
    {
        var batch = new List<ProvisionerLogLine>(Math.Min(max, 128));
        lock (_gate)
        {
            while (batch.Count < max && _lines.TryDequeue(out var line))
            {
                batch.Add(line);
            }

            // Drops happened after every line that was waiting; once those are out, say so.
            if (_lines.Count == 0 && _droppedSinceMarker > 0 && batch.Count < max)
            {
                batch.Add(DroppedMarker());
            }
        }

        return batch;
    }

    private void Add(ProvisionerLogLevel level, string stage, string output, ProvisionerLogSource source)
    {
        var now = _time.GetUtcNow();
        var wake = false;
        lock (_gate)
        {
            _lastStage = stage;
            foreach (var text in output.Split('\n'))
            {
                if (_lines.Count >= _capacity)
                {
                    _droppedSinceMarker++;
                    TotalDropped++;
                    continue;
                }

                if (_droppedSinceMarker > 0)
                {
                    // The marker may take the buffer one past capacity; it replaces many lines.
                    _lines.Enqueue(DroppedMarker());
                }

                _lines.Enqueue(new ProvisionerLogLine
                {
                    CreatedAt = now,
                    Level = level,
                    Stage = stage,
                    Output = Truncate(text.TrimEnd('\r')),
                    Source = source,
                });
                wake |= _lines.Count == 1 || _lines.Count == _batchSize;
            }
        }

        if (wake)
        {
            _wake();
        }
    }

    /// <summary>Called under the lock.</summary>
    private ProvisionerLogLine DroppedMarker()
    {
        var dropped = _droppedSinceMarker;
        _droppedSinceMarker = 0;
        return new ProvisionerLogLine
        {
            CreatedAt = _time.GetUtcNow(),
            Level = ProvisionerLogLevel.Warn,
            Stage = _lastStage,
            Output = $"{dropped} log lines dropped: the provisioner wrote faster than the daemon could send them",
            Source = ProvisionerLogSource.ProvisionerDaemon,
        };
    }

    private static string Truncate(string text) =>
        text.Length <= MaxLineLength ? text : string.Concat(text.AsSpan(0, MaxLineLength), " … (line truncated)");
}
