using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Server.Tests.Hosting;

public sealed partial class JsonLinesLoggerTests
{
    [Fact]
    public void An_entry_is_one_json_line_with_the_consoles_field_names_and_typed_state()
    {
        var output = new MemoryStream();
        var sink = new JsonLinesSink(output);
        using (var provider = new JsonLinesLoggerProvider(sink))
        {
            Acquired(provider.CreateLogger("Outpost.Server.ProvisionerJobs"), Guid.Parse("01a1fce6-446b-75d1-8467-15d134f93707"), "daemon \"one\"", 1.5, true);
        }

        var line = Assert.Single(Lines(output));
        using var entry = JsonDocument.Parse(line);
        var root = entry.RootElement;
        Assert.Equal(4101, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal("Outpost.Server.ProvisionerJobs", root.GetProperty("Category").GetString());
        Assert.Equal("Job 01a1fce6-446b-75d1-8467-15d134f93707 acquired by daemon \"one\" after 1.5 s (first: True)", root.GetProperty("Message").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("Timestamp").GetString(), out _));
        var state = root.GetProperty("State");
        Assert.Equal("01a1fce6-446b-75d1-8467-15d134f93707", state.GetProperty("JobId").GetString());
        Assert.Equal(1.5, state.GetProperty("Seconds").GetDouble());
        Assert.True(state.GetProperty("First").GetBoolean());
        Assert.Equal("Job {JobId} acquired by {Daemon} after {Seconds} s (first: {First})", state.GetProperty("{OriginalFormat}").GetString());
        Assert.False(root.TryGetProperty("Exception", out _));
    }

    [Fact]
    public void An_exception_is_written_with_its_type_and_message()
    {
        var output = new MemoryStream();
        var sink = new JsonLinesSink(output);
        using (var provider = new JsonLinesLoggerProvider(sink))
        {
            provider.CreateLogger("test").LogError(new InvalidOperationException("the disk is full"), "Writing failed");
        }

        using var entry = JsonDocument.Parse(Assert.Single(Lines(output)));
        Assert.Contains("InvalidOperationException: the disk is full", entry.RootElement.GetProperty("Exception").GetString(), StringComparison.Ordinal);
        Assert.Equal("Error", entry.RootElement.GetProperty("LogLevel").GetString());
    }

    [Fact]
    public async Task Lines_that_do_not_fit_while_stderr_is_stuck_are_dropped_counted_and_reported_and_nothing_blocks()
    {
        var output = new GatedStream();
        var sink = new JsonLinesSink(output);
        var logger = new JsonLinesLoggerProvider(sink).CreateLogger("test");
        var total = JsonLinesSink.Capacity * 2;

        // The writer is stuck in its first write; every call below returns at once all the same.
        logger.LogInformation("first");
        await output.FirstWrite.WithTimeout();
        for (var i = 0; i < total; i++)
        {
            logger.LogInformation("line {Number}", i);
        }

        Assert.True(sink.Dropped >= total - JsonLinesSink.Capacity, $"dropped {sink.Dropped}");
        output.Release();
        sink.Flush(TestTimeouts.Default);
        logger.LogInformation("after");
        sink.Flush(TestTimeouts.Default);

        var lines = Lines(output.Written);
        var notice = Assert.Single(lines, line => line.Contains("were dropped", StringComparison.Ordinal));
        using var entry = JsonDocument.Parse(notice);
        Assert.Equal(sink.Dropped, entry.RootElement.GetProperty("State").GetProperty("Dropped").GetInt64());
        // Every line is either written or counted: 1 first + total + 1 after + the notice.
        Assert.Equal(total + 2, lines.Count - 1 + sink.Dropped);
        Assert.EndsWith("\"Message\":\"after\",\"State\":{\"{OriginalFormat}\":\"after\"}}", lines[^1], StringComparison.Ordinal);
    }

    private static List<string> Lines(MemoryStream output) =>
        [.. Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Job {JobId} acquired by {Daemon} after {Seconds} s (first: {First})")]
    private static partial void Acquired(ILogger logger, Guid jobId, string daemon, double seconds, bool first);

    /// <summary>stderr that blocks its first write until released.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _gate = new();

        public MemoryStream Written { get; } = new();

        public Task FirstWrite => _firstWrite.Task;

        public void Release() => _gate.Set();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _firstWrite.TrySetResult();
            _gate.Wait();
            lock (Written)
            {
                Written.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _gate.Dispose();
            base.Dispose(disposing);
        }
    }
}
