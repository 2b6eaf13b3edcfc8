using System.Text.Json;
using Outpost.Telemetry.Local;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Testing;

namespace Outpost.Telemetry.Tests.Local;

public sealed class JsonlSinkTests
{
    private const string Today = "2026-05-04";

    [Fact]
    public async Task Rule_4_2_the_first_line_is_a_header_with_the_session_context_and_the_sink_start_time()
    {
        await using var harness = new SinkHarness();
        harness.Time.Advance(TimeSpan.FromSeconds(5));
        harness.Service.Log("a");
        await harness.FlushAsync();

        using var header = JsonDocument.Parse(harness.Lines(harness.FileName(Today))[0]);
        var root = header.RootElement;
        Assert.Equal(["kind", "schema_version", "timestamp", "context"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("header", root.GetProperty("kind").GetString());
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        Assert.Equal("2026-05-04T12:00:00.000Z", root.GetProperty("timestamp").GetString());
        Assert.Equal(
            ["cli_version", "machine_id", "session_id", "os_type", "os_version", "host_arch", "platform_name", "platform_version"],
            root.GetProperty("context").EnumerateObject().Select(p => p.Name));
        Assert.Equal(SinkHarness.SessionId, root.GetProperty("context").GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task Rule_4_2_rows_are_slim_snake_case_in_the_fixed_key_order()
    {
        await using var harness = new SinkHarness();
        harness.Service.SetDeploymentUrl("https://outpost.example.com");
        harness.Service.Log("plain", new TelemetryProperties { { "camelKey", "v" } });
        Assert.Throws<InvalidOperationException>(() => harness.Service.Trace("op", _ => throw new InvalidOperationException("nope")));
        await harness.FlushAsync();

        var lines = harness.Lines(harness.FileName(Today));
        Assert.Equal(3, lines.Length);
        using var plain = JsonDocument.Parse(lines[1]);
        using var span = JsonDocument.Parse(lines[2]);
        Assert.Equal(
            ["event_id", "event_name", "timestamp", "event_sequence", "properties", "measurements", "deployment_url"],
            plain.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["event_id", "event_name", "timestamp", "event_sequence", "properties", "measurements", "trace_id", "error", "deployment_url"],
            span.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("v", plain.RootElement.GetProperty("properties").GetProperty("camelKey").GetString());
        Assert.Equal("https://outpost.example.com", plain.RootElement.GetProperty("deployment_url").GetString());
        Assert.Equal("nope", span.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("2026-05-04T12:00:00.000Z", plain.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task Rule_4_2_rows_read_back_as_the_events_that_were_emitted()
    {
        await using var harness = new SinkHarness();
        var recorder = new RecordingSink();
        var service = new TelemetryService(TestTelemetry.Context(SinkHarness.SessionId), [harness.Sink, recorder], TelemetryLevel.Local, harness.Time, harness.Logger);
        service.Trace("op", span =>
        {
            span.Phase("step", child => child.SetMeasurement("bytes", 12.5));
            span.LogError("warned", new TimeoutException("slow"));
        });
        await harness.FlushAsync();

        var read = harness.ReadAll();
        Assert.Equal(recorder.Events.Count, read.Count);
        foreach (var (expected, actual) in recorder.Events.Zip(read))
        {
            Assert.Equal(expected.EventId, actual.EventId);
            Assert.Equal(expected.EventName, actual.EventName);
            Assert.Equal(expected.Timestamp, actual.Timestamp);
            Assert.Equal(expected.EventSequence, actual.EventSequence);
            Assert.Equal(expected.Context, actual.Context);
            Assert.Equal(expected.Properties, actual.Properties);
            Assert.Equal(expected.Measurements, actual.Measurements);
            Assert.Equal(expected.TraceId, actual.TraceId);
            Assert.Equal(expected.ParentEventId, actual.ParentEventId);
            Assert.Equal(expected.Error, actual.Error);
        }
    }

    [Fact]
    public async Task Rule_4_4_1_an_event_that_cannot_be_serialized_is_dropped_alone()
    {
        await using var harness = new SinkHarness();
        harness.Service.Log("before");
        harness.Service.Log("broken", measurements: new TelemetryMeasurements { { "value", double.NaN } });
        harness.Service.Log("after");
        await harness.FlushAsync();

        Assert.Equal(["before", "after"], harness.ReadAll().Select(e => e.EventName));
        Assert.Single(harness.Logger.Warnings, w => w.Message.Contains("serialize failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rule_4_4_3_overflow_drops_the_oldest_with_one_warning_per_burst()
    {
        await using var harness = new SinkHarness(new LocalTelemetrySettings { BufferLimit = 10, FlushBatchSize = 100 });
        for (var i = 0; i < 13; i++)
        {
            harness.Service.Log("e");
        }

        await harness.FlushAsync();
        for (var i = 0; i < 11; i++)
        {
            harness.Service.Log("e");
        }

        await harness.FlushAsync();

        Assert.Equal([.. Enumerable.Range(3, 10).Select(i => (long)i), .. Enumerable.Range(14, 10).Select(i => (long)i)], harness.ReadAll().Select(e => e.EventSequence));
        Assert.Equal(2, harness.Logger.Warnings.Count(w => w.Message.Contains("buffer overflow", StringComparison.Ordinal)));
        Assert.Single(harness.Logger.Warnings, w => w.Message.Contains("can never fire", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rule_4_4_4_reaching_the_batch_size_starts_a_background_flush()
    {
        await using var harness = new SinkHarness(new LocalTelemetrySettings { FlushBatchSize = 5 });
        for (var i = 0; i < 4; i++)
        {
            harness.Service.Log("e");
        }

        Assert.Equal(0, harness.Files.AppendEntered.CurrentCount);
        harness.Service.Log("e");

        Assert.True(await harness.Files.AppendEntered.WaitAsync(TestTelemetry.Timeout));
    }

    [Fact]
    public async Task Rule_4_4_the_interval_timer_flushes_the_buffer()
    {
        await using var harness = new SinkHarness(new LocalTelemetrySettings { FlushIntervalMs = 2_000 });
        harness.Service.Log("e");
        Assert.Null(harness.Sink.LastTimerFlush);

        harness.Time.Advance(TimeSpan.FromSeconds(2));

        await harness.Sink.LastTimerFlush!.WaitAsync(TestTelemetry.Timeout);
        Assert.Single(harness.ReadAll());
    }

    [Fact]
    public async Task Rule_3_a_new_flush_interval_reschedules_the_timer()
    {
        await using var harness = new SinkHarness(new LocalTelemetrySettings { FlushIntervalMs = 60_000 });
        harness.Sink.ApplySettings(new LocalTelemetrySettings { FlushIntervalMs = 1_000 });
        harness.Service.Log("e");

        harness.Time.Advance(TimeSpan.FromSeconds(1));

        await harness.Sink.LastTimerFlush!.WaitAsync(TestTelemetry.Timeout);
        Assert.Single(harness.ReadAll());
    }

    [Fact]
    public async Task Rule_3_the_unreachable_batch_trigger_is_checked_again_on_each_settings_change()
    {
        await using var harness = new SinkHarness();
        Assert.DoesNotContain(harness.Logger.Warnings, w => w.Message.Contains("can never fire", StringComparison.Ordinal));

        harness.Sink.ApplySettings(new LocalTelemetrySettings { BufferLimit = 10, FlushBatchSize = 20 });

        Assert.Single(harness.Logger.Warnings, w => w.Message == "Local telemetry bufferLimit 10 is below flushBatchSize 20; the batch trigger can never fire");
    }

    [Fact]
    public async Task Rule_4_4_2_writes_only_buffer_until_a_flush()
    {
        await using var harness = new SinkHarness();
        harness.Service.Log("buffered");

        Assert.Empty(harness.Directory.TelemetryFiles());
        Assert.Equal(0, harness.Files.AppendEntered.CurrentCount);
        await harness.FlushAsync();
        Assert.Single(harness.ReadAll());
    }

    [Fact]
    public async Task Rule_4_4_concurrent_flushes_coalesce_and_write_every_event_once()
    {
        using var gate = new ManualResetEventSlim(false);
        var files = new FaultyFileSystem { AppendGate = gate };
        await using var harness = new SinkHarness(files: files);
        harness.Service.Log("first");
        var running = harness.Sink.FlushAsync(CancellationToken.None);
        Assert.True(await files.AppendEntered.WaitAsync(TestTelemetry.Timeout));

        harness.Service.Log("second");
        var queued = harness.Sink.FlushAsync(CancellationToken.None);
        harness.Service.Log("third");
        var joined = harness.Sink.FlushAsync(CancellationToken.None);
        gate.Set();
        await Task.WhenAll(running, queued, joined).WaitAsync(TestTelemetry.Timeout);

        Assert.Same(queued, joined);
        Assert.NotSame(running, queued);
        Assert.Equal(["first", "second", "third"], harness.ReadAll().Select(e => e.EventName));
        Assert.Equal(2, files.Appends);
    }

    [Fact]
    public async Task Rule_4_4_log_never_waits_for_a_stalled_disk()
    {
        using var gate = new ManualResetEventSlim(false);
        var files = new FaultyFileSystem { AppendGate = gate };
        await using var harness = new SinkHarness(new LocalTelemetrySettings { FlushBatchSize = 1, BufferLimit = 1_000 }, files);
        harness.Service.Log("starts a flush");
        Assert.True(await files.AppendEntered.WaitAsync(TestTelemetry.Timeout));

        for (var i = 0; i < 500; i++)
        {
            harness.Service.Log("while stalled");
            harness.Service.Trace("span while stalled", span => span.SetProperty("i", i));
        }

        Assert.False(gate.IsSet);
        gate.Set();
        await harness.FlushAsync();
        Assert.Equal(1_001, harness.ReadAll().Count);
    }

    [Fact]
    public async Task Rule_4_4_a_failed_append_rejects_logs_and_leaves_the_file_state_alone()
    {
        var files = new FaultyFileSystem { AppendFault = _ => new IOException("No space left on device") };
        await using var harness = new SinkHarness(files: files);
        harness.Service.Log("lost");

        var failure = await Assert.ThrowsAsync<IOException>(harness.FlushAsync);
        files.AppendFault = null;
        harness.Service.Log("kept");
        await harness.FlushAsync();

        Assert.Equal("No space left on device", failure.Message);
        Assert.Contains(harness.Logger.Warnings, w => w.Message == "Local telemetry flush failed, 1 event(s) discarded");
        var lines = harness.Lines(harness.FileName(Today));
        Assert.Single(lines, l => l.Contains("\"kind\":\"header\"", StringComparison.Ordinal));
        Assert.Equal(["kept"], harness.ReadAll().Select(e => e.EventName));
    }

    [Fact]
    public async Task Rule_4_4_dispose_flushes_once_and_later_writes_do_nothing()
    {
        var harness = new SinkHarness();
        harness.Service.Log("buffered");
        await harness.Sink.DisposeAsync().AsTask().WaitAsync(TestTelemetry.Timeout);
        harness.Service.Log("after dispose");
        await harness.Sink.FlushAsync(CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(["buffered"], harness.ReadAll().Select(e => e.EventName));
        Assert.Equal(0, harness.Time.ActiveTimers);
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task Rule_4_5_a_new_utc_day_starts_a_new_file_with_its_own_header()
    {
        await using var harness = new SinkHarness();
        harness.Service.Log("day one");
        await harness.FlushAsync();
        harness.Time.Advance(TimeSpan.FromDays(1));
        harness.Service.Log("day two");
        await harness.FlushAsync();

        Assert.Equal([harness.FileName("2026-05-04"), harness.FileName("2026-05-05")], harness.Directory.TelemetryFiles());
        Assert.StartsWith("{\"kind\":\"header\"", harness.Lines(harness.FileName("2026-05-05"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule_4_1_the_file_date_is_the_utc_date_at_flush_time_not_the_event_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 4, 23, 59, 59, 900, TimeSpan.Zero));
        await using var harness = new SinkHarness(time: time);
        harness.Service.Log("late evening");
        time.Advance(TimeSpan.FromMilliseconds(200));
        await harness.FlushAsync();

        Assert.Equal([harness.FileName("2026-05-05")], harness.Directory.TelemetryFiles());
        Assert.Equal(new DateTimeOffset(2026, 5, 4, 23, 59, 59, 900, TimeSpan.Zero), harness.ReadAll().Single().Timestamp);
    }

    [Fact]
    public async Task Rule_4_5_a_full_segment_rolls_to_the_next_one_with_a_new_header()
    {
        await using var harness = new SinkHarness(new LocalTelemetrySettings { MaxFileBytes = 4096 });
        var filler = new string('x', 1000);
        for (var i = 0; i < 12; i++)
        {
            harness.Service.Log("big", new TelemetryProperties { { "filler", filler } });
            await harness.FlushAsync();
        }

        var files = harness.Directory.TelemetryFiles();
        Assert.True(files.Length >= 3);
        Assert.Contains(harness.FileName(Today, 1), files);
        foreach (var file in files)
        {
            var lines = harness.Lines(file);
            Assert.StartsWith("{\"kind\":\"header\"", lines[0], StringComparison.Ordinal);
            var payloadBytes = new FileInfo(harness.Directory.Combine(file)).Length - lines[0].Length - 1;
            Assert.InRange(payloadBytes, 1, 4096);
        }

        Assert.Equal(12, harness.ReadAll().Count);
    }

    [Fact]
    public async Task Rule_4_5_one_oversized_payload_stays_in_an_empty_segment()
    {
        await using var harness = new SinkHarness(new LocalTelemetrySettings { MaxFileBytes = 4096 });
        harness.Service.Log("huge", new TelemetryProperties { { "filler", new string('y', 10_000) } });
        await harness.FlushAsync();

        Assert.Equal([harness.FileName(Today)], harness.Directory.TelemetryFiles());
    }

    [Fact]
    public async Task Rule_4_5_a_clock_going_back_a_day_appends_to_that_day_without_a_second_header()
    {
        await using var harness = new SinkHarness();
        harness.Service.Log("today");
        await harness.FlushAsync();
        harness.Time.Advance(TimeSpan.FromDays(1));
        harness.Service.Log("tomorrow");
        await harness.FlushAsync();
        harness.Time.SetUtcNow(harness.Time.GetUtcNow().AddDays(-1));
        harness.Service.Log("back again");
        await harness.FlushAsync();

        var lines = harness.Lines(harness.FileName(Today));
        Assert.Single(lines, l => l.Contains("\"kind\":\"header\"", StringComparison.Ordinal));
        Assert.Equal(["today", "back again"], TelemetryFileReader.ReadFile(harness.Directory.Combine(harness.FileName(Today))).Select(e => e.EventName));
    }
}
