using System.Buffers;
using System.Text.Json;

namespace Outpost.Telemetry.Local;

internal sealed partial class LocalJsonlSink
{
    private readonly byte[] _headerLine;
    private readonly Lock _flushGate = new();
    private readonly ArrayBufferWriter<byte> _payload = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _row = new(1024);
    private Utf8JsonWriter? _rowWriter;
    private bool _flushRunning;
    private TaskCompletionSource? _queuedFlush;

    // The current file; only the flush loop touches these, and it never runs twice at once.
    private DateOnly _fileDate;
    private int _fileSegment;
    private long _fileSize;
    private bool _failing;

    /// <summary>
    /// Coalesced (spec §4.4): at most one flush runs and one waits; every later caller shares the
    /// waiting one, so each buffered event is written exactly once. Fails when the append failed.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (_flushGate)
        {
            if (_queuedFlush is not null)
            {
                task = _queuedFlush.Task;
            }
            else
            {
                var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                // Background triggers never await; observing here keeps their failures from
                // surfacing as unobserved task exceptions while awaiting callers still see them.
                _ = completion.Task.ContinueWith(
                    static t => _ = t.Exception,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
                if (_flushRunning)
                {
                    _queuedFlush = completion;
                }
                else
                {
                    _flushRunning = true;
                    _ = Task.Run(() => RunFlushes(completion), CancellationToken.None);
                }

                task = completion.Task;
            }
        }

        return cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;
    }

    private void RunFlushes(TaskCompletionSource first)
    {
        var current = first;
        while (true)
        {
            try
            {
                FlushOnce();
                current.TrySetResult();
            }
            catch (Exception exception)
            {
                current.TrySetException(exception);
            }

            lock (_flushGate)
            {
                if (_queuedFlush is null)
                {
                    _flushRunning = false;
                    return;
                }

                current = _queuedFlush;
                _queuedFlush = null;
            }
        }
    }

    private void FlushOnce()
    {
        Queue<TelemetryEvent> batch;
        lock (_bufferGate)
        {
            if (_buffer.Count == 0)
            {
                return;
            }

            batch = _buffer;
            _buffer = new Queue<TelemetryEvent>(Math.Min(batch.Count, _settings.BufferLimit));
            _overflowWarned = false;
        }

        _payload.ResetWrittenCount();
        var written = 0;
        foreach (var telemetryEvent in batch)
        {
            if (TrySerialize(telemetryEvent))
            {
                _payload.Write(_row.WrittenSpan);
                _payload.Write("\n"u8);
                written++;
            }
        }

        if (written == 0)
        {
            return;
        }

        try
        {
            AppendPayload();
            _failing = false;
        }
        catch (Exception exception)
        {
            // One warning per run of failures: a full disk must not flood the host's log.
            if (_failing)
            {
                Log.FlushFailedAgain(_logger, written, exception);
            }
            else
            {
                _failing = true;
                Log.FlushFailed(_logger, written, exception);
            }

            throw;
        }
    }

    private bool TrySerialize(TelemetryEvent telemetryEvent)
    {
        _row.ResetWrittenCount();
        var writer = _rowWriter ??= new Utf8JsonWriter(_row);
        writer.Reset(_row);
        try
        {
            JsonSerializer.Serialize(writer, TelemetryWireMapping.ToRow(telemetryEvent), TelemetryWireContext.Default.TelemetryFileRow);
            writer.Flush();
            return true;
        }
        catch (Exception exception) when (exception is JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            Log.SerializeFailed(_logger, telemetryEvent.EventName, exception);
            return false;
        }
    }

    /// <summary>
    /// Picks the file (spec §4.5) and appends in one call, the header first when the file is new,
    /// so a file is never header-only and never torn. File state advances only on success.
    /// </summary>
    private void AppendPayload()
    {
        var payload = _payload.WrittenSpan;
        var date = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        _files.CreateDirectory(Directory);

        var segment = _fileSegment;
        var size = _fileSize;
        if (date != _fileDate)
        {
            segment = 0;
            size = _files.GetLength(PathFor(date, 0));
        }

        if (size > 0 && size + payload.Length > _settings.MaxFileBytes)
        {
            segment++;
            size = _files.GetLength(PathFor(date, segment));
        }

        var path = PathFor(date, segment);
        if (size == 0)
        {
            var withHeader = new byte[_headerLine.Length + payload.Length];
            _headerLine.CopyTo(withHeader, 0);
            payload.CopyTo(withHeader.AsSpan(_headerLine.Length));
            _files.Append(path, withHeader);
            size = withHeader.Length;
        }
        else
        {
            _files.Append(path, payload);
            size += payload.Length;
        }

        _fileDate = date;
        _fileSegment = segment;
        _fileSize = size;
    }

    private string PathFor(DateOnly date, int segment) =>
        Path.Combine(Directory, TelemetryFileName.Format(date, _slug, segment));
}
