using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Outpost.Server.Hosting;

/// <summary>
/// The server's log output: one JSON object per line on stderr, in the shape of the framework's
/// JSON console formatter (Timestamp, EventId, LogLevel, Category, Message, Exception, State), but
/// written in batches. Each entry is formatted on the logging thread into a small buffer; one
/// writer drains whatever has queued into a single write, so a busy server makes one system call
/// per batch instead of one (plus an encoder flush) per line. Measured in bench/README.md.
/// </summary>
/// <remarks>
/// The queue is bounded (<see cref="JsonLinesSink.Capacity"/> lines). A request never waits on
/// stderr: when the queue is full, lines are dropped, counted, and the next batch starts with a
/// line saying how many were lost.
/// </remarks>
[ProviderAlias("JsonLines")]
internal sealed class JsonLinesLoggerProvider(JsonLinesSink sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new JsonLinesLogger(categoryName, sink);

    /// <summary>Waits (briefly) for queued lines to reach stderr; the shared sink itself stays open.</summary>
    public void Dispose() => sink.Flush(TimeSpan.FromSeconds(2));
}

/// <summary>Formats entries; timestamps are the machine's clock (a test's fake server clock does not reach logs).</summary>
internal sealed class JsonLinesLogger(string category, JsonLinesSink sink) : ILogger
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Log lines are read by people and log shippers, not embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    [ThreadStatic]
    private static bool _busy;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        sink.Enqueue(Format(category, logLevel, eventId, state, exception, formatter));
    }

    /// <summary>One entry as a JSON line (newline included); the sink's own notices use it too.</summary>
    internal static byte[] Format<TState>(
        string category, LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        // The thread's buffer is reused; an entry logged while formatting another (a ToString that
        // logs) gets buffers of its own.
        var nested = _busy;
        _busy = true;
        try
        {
            var buffer = nested ? new ArrayBufferWriter<byte>(512) : _buffer ??= new ArrayBufferWriter<byte>(512);
            buffer.ResetWrittenCount();
            var json = nested ? new Utf8JsonWriter(buffer, WriterOptions) : _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
            json.Reset(buffer);
            Write(json, category, logLevel, eventId, state, exception, formatter);
            var line = new byte[buffer.WrittenCount + 1];
            buffer.WrittenSpan.CopyTo(line);
            line[^1] = (byte)'\n';
            return line;
        }
        finally
        {
            _busy = nested;
        }
    }

    private static void Write<TState>(Utf8JsonWriter json, string category, LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        json.WriteStartObject();
        json.WriteString("Timestamp"u8, DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        json.WriteNumber("EventId"u8, eventId.Id);
        json.WriteString("LogLevel"u8, LevelName(logLevel));
        json.WriteString("Category"u8, category);
        json.WriteString("Message"u8, formatter(state, exception));
        if (exception is not null)
        {
            json.WriteString("Exception"u8, exception.ToString());
        }

        if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
        {
            json.WriteStartObject("State"u8);
            for (var i = 0; i < fields.Count; i++)
            {
                WriteField(json, fields[i].Key, fields[i].Value);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.Flush();
    }

    private static void WriteField(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case bool b:
                json.WriteBoolean(name, b);
                break;
            case int n:
                json.WriteNumber(name, n);
                break;
            case long n:
                json.WriteNumber(name, n);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumber(name, d);
                break;
            case DateTimeOffset at:
                json.WriteString(name, at.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateTime at:
                json.WriteString(name, at.ToString("O", CultureInfo.InvariantCulture));
                break;
            case string s:
                json.WriteString(name, s);
                break;
            default:
                json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => "None",
    };
}

/// <summary>
/// The one queue and writer behind every <see cref="JsonLinesLoggerProvider"/> of the process
/// (the bootstrap logger and the host's share it, so their lines never interleave mid-line).
/// </summary>
internal sealed class JsonLinesSink
{
    public const int Capacity = 10_000;
    private const int BatchBytes = 64 * 1024;
    private const string DroppedMessage = "{Dropped} log lines were dropped: stderr did not keep up";

    private static readonly Lazy<JsonLinesSink> StandardErrorSink = new(() =>
    {
        var sink = new JsonLinesSink(Console.OpenStandardError());
        // The writer is a background thread: the last lines (the shutdown's) reach stderr before the process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => sink.Flush(TimeSpan.FromSeconds(2));
        return sink;
    });

    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Stream _output;
    private TaskCompletionSource _batchWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _enqueued;
    private long _written;
    private long _dropped;

    internal JsonLinesSink(Stream output)
    {
        _output = output;
        _ = Task.Factory.StartNew(WriteLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>The process's stderr.</summary>
    public static JsonLinesSink StandardError => StandardErrorSink.Value;

    /// <summary>Lines lost because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Enqueue(byte[] line)
    {
        if (_queue.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _enqueued);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Waits until every line queued so far is written, or the timeout passes.</summary>
    public void Flush(TimeSpan timeout)
    {
        var target = Interlocked.Read(ref _enqueued);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var written = Volatile.Read(ref _batchWritten).Task;
            var left = deadline - Environment.TickCount64;
            if (Interlocked.Read(ref _written) >= target || left <= 0 || !written.Wait(TimeSpan.FromMilliseconds(left)))
            {
                return;
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new MemoryStream(BatchBytes);
        long reportedDrops = 0;
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.SetLength(0);
            var lines = 0;
            var dropped = Interlocked.Read(ref _dropped);
            if (dropped > reportedDrops)
            {
                KeyValuePair<string, object?>[] notice = [new("Dropped", dropped - reportedDrops), new("{OriginalFormat}", DroppedMessage)];
                batch.Write(JsonLinesLogger.Format("Outpost.Server.Logging", LogLevel.Warning, default, notice, null,
                    static (fields, _) => string.Create(CultureInfo.InvariantCulture, $"{fields[0].Value} log lines were dropped: stderr did not keep up")));
                reportedDrops = dropped;
            }

            while (batch.Length < BatchBytes && _queue.Reader.TryRead(out var line))
            {
                batch.Write(line);
                lines++;
            }

            try
            {
                _output.Write(batch.GetBuffer(), 0, (int)batch.Length);
                _output.Flush();
            }
            catch (IOException)
            {
                // stderr is gone (a closed pipe): nothing can be reported, and the server carries on.
            }

            Interlocked.Add(ref _written, lines);
            Interlocked.Exchange(ref _batchWritten, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
