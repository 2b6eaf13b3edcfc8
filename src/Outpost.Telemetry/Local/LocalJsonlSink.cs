using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Outpost.Telemetry.Local;

/// <summary>
/// Writes events to this session's JSONL files (spec §4). <see cref="Write"/> only appends to a
/// bounded in-memory buffer; serialization and file I/O happen on a background flush, so
/// <c>Log</c> and <c>Trace</c> never wait for the disk.
/// </summary>
internal sealed partial class LocalJsonlSink : ITelemetrySink
{
    public const string SinkName = "local-jsonl";

    private readonly string _slug;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITelemetryFileSystem _files;
    private readonly Lock _bufferGate = new();
    private readonly ITimer _timer;
    private volatile LocalTelemetrySettings _settings;
    // A queue, because overflow drops from the front and must stay O(1) when the disk falls behind.
    private Queue<TelemetryEvent> _buffer = new();
    private bool _overflowWarned;
    private bool _disposed;

    private LocalJsonlSink(
        string directory,
        TelemetryContext session,
        LocalTelemetrySettings settings,
        TimeProvider time,
        ILogger logger,
        ITelemetryFileSystem files)
    {
        Directory = directory;
        _slug = TelemetryFileName.Slug(session.SessionId);
        _settings = settings;
        _time = time;
        _logger = logger;
        _files = files;
        StartedAt = TelemetryService.TruncateToMilliseconds(time.GetUtcNow());
        _headerLine = SerializeHeader(TelemetryWireMapping.ToHeader(session, StartedAt));
        WarnIfBatchTriggerUnreachable(settings);
        var interval = TimeSpan.FromMilliseconds(settings.FlushIntervalMs);
        _timer = time.CreateTimer(static state => ((LocalJsonlSink)state!).OnTimer(), this, interval, interval);
    }

    public string Name => SinkName;

    public TelemetryLevel MinLevel => TelemetryLevel.Local;

    public string Directory { get; }

    /// <summary>The header timestamp of every file this session writes.</summary>
    public DateTimeOffset StartedAt { get; }

    public LocalTelemetrySettings Settings => _settings;

    /// <summary>The startup retention pass; tests await it instead of sleeping.</summary>
    internal Task Retention { get; private set; } = Task.CompletedTask;

    /// <summary>The flush most recently started by the interval timer, for tests.</summary>
    internal Task? LastTimerFlush { get; private set; }

    /// <summary>Creates the sink and starts retention in the background; never touches this session's files.</summary>
    public static LocalJsonlSink Start(
        string directory,
        TelemetryContext session,
        LocalTelemetrySettings settings,
        TimeProvider time,
        ILogger logger,
        ITelemetryFileSystem? files = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var sink = new LocalJsonlSink(directory, session, settings, time, logger, files ?? TelemetryFileSystem.Instance);
        var retention = new TelemetryRetention(sink._files, logger);
        var now = time.GetUtcNow();
        sink.Retention = Task.Run(() => retention.Run(directory, sink._slug, settings, now));
        return sink;
    }

    /// <summary>Settings apply live; a new interval reschedules the timer (spec §3).</summary>
    public void ApplySettings(LocalTelemetrySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var previous = _settings;
        _settings = settings;
        WarnIfBatchTriggerUnreachable(settings);
        if (previous.FlushIntervalMs != settings.FlushIntervalMs)
        {
            var interval = TimeSpan.FromMilliseconds(settings.FlushIntervalMs);
            _timer.Change(interval, interval);
        }
    }

    public void Write(TelemetryEvent telemetryEvent)
    {
        var dropped = 0;
        bool startFlush;
        var settings = _settings;
        lock (_bufferGate)
        {
            if (_disposed)
            {
                return;
            }

            _buffer.Enqueue(telemetryEvent);
            if (_buffer.Count > settings.BufferLimit)
            {
                var excess = _buffer.Count - settings.BufferLimit;
                for (var i = 0; i < excess; i++)
                {
                    _buffer.Dequeue();
                }

                if (!_overflowWarned)
                {
                    _overflowWarned = true;
                    dropped = excess;
                }
            }

            startFlush = _buffer.Count >= settings.FlushBatchSize;
        }

        if (dropped > 0)
        {
            Log.BufferOverflow(_logger, dropped);
        }

        if (startFlush)
        {
            _ = FlushAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_bufferGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already logged by the flush; dispose must always complete (spec §4.4).
        }

        try
        {
            await Retention.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Retention logs its own failures and never throws; this guards the await only.
        }
    }

    private void OnTimer()
    {
        LastTimerFlush = FlushAsync(CancellationToken.None);
    }

    private void WarnIfBatchTriggerUnreachable(LocalTelemetrySettings settings)
    {
        if (settings.BatchTriggerUnreachable)
        {
            Log.BatchTriggerUnreachable(_logger, settings.BufferLimit, settings.FlushBatchSize);
        }
    }

    private static byte[] SerializeHeader(TelemetryFileHeader header)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, header, TelemetryWireContext.Default.TelemetryFileHeader);
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
