using Microsoft.Extensions.Logging;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Testing;

namespace Outpost.Telemetry.Tests;

public sealed class ReporterTests
{
    [Fact]
    public void Rule_2_3_log_emits_a_point_event_without_trace_or_parent()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("auth.token_refresh.deduped", new TelemetryProperties { { "trigger", "background" } }, new TelemetryMeasurements { { "waitedMs", 3 } });

        var e = sink.Single("auth.token_refresh.deduped");
        Assert.Null(e.TraceId);
        Assert.Null(e.ParentEventId);
        Assert.Null(e.Error);
        Assert.Equal("background", e.Properties["trigger"]);
        Assert.Equal(3, e.Measurements["waitedMs"]);
    }

    [Fact]
    public void Rule_2_3_log_error_adds_the_error_block()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.LogError("thing.failed", new TimeoutException("too slow"));

        Assert.Equal(new TelemetryError("too slow", "TimeoutException"), sink.Single("thing.failed").Error);
    }

    [Fact]
    public void Rule_2_3_trace_returns_the_body_value()
    {
        var service = TestTelemetry.Service(out _, out _, out _);

        Assert.Equal(42, service.Trace("op", _ => 42));
    }

    [Fact]
    public async Task Rule_2_3_trace_async_returns_the_body_value_and_times_the_awaited_work()
    {
        var service = TestTelemetry.Service(out var sink, out var time, out _);
        var value = await service.TraceAsync("op", async (span, ct) =>
        {
            await Task.Yield();
            time.Advance(TimeSpan.FromMilliseconds(40));
            return "done";
        }).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal("done", value);
        Assert.Equal(40, sink.Single("op").Measurements["durationMs"]);
    }

    [Fact]
    public async Task Rule_2_3_async_phases_nest_under_their_span()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        await service.TraceAsync("op", async (span, ct) =>
        {
            await span.PhaseAsync("fetch", async (child, innerCt) => await Task.Yield(), cancellationToken: ct);
        }).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(sink.Single("op").EventId, sink.Single("op.fetch").ParentEventId);
    }

    [Fact]
    public void Rule_2_3_the_noop_reporter_runs_bodies_and_noop_phases_still_run()
    {
        var ran = new List<string>();
        var value = NoopTelemetryReporter.Instance.Trace("op", span =>
        {
            span.SetProperty("ignored", "x");
            return span.Phase("child", _ =>
            {
                ran.Add("child");
                return 7;
            });
        });

        Assert.Equal(7, value);
        Assert.Equal(["child"], ran);
    }

    [Fact]
    public void Rule_2_3_a_phase_is_named_parent_dot_child_and_shares_the_trace()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("workspace.start.triggered", span => span.Phase("build", child => child.Phase("apply", _ => { })));

        var parent = sink.Single("workspace.start.triggered");
        var child = sink.Single("workspace.start.triggered.build");
        var grandchild = sink.Single("workspace.start.triggered.build.apply");
        Assert.Equal(parent.TraceId, child.TraceId);
        Assert.Equal(parent.TraceId, grandchild.TraceId);
        Assert.Equal(parent.EventId, child.ParentEventId);
        Assert.Equal(child.EventId, grandchild.ParentEventId);
        Assert.Null(parent.ParentEventId);
    }

    [Fact]
    public void Rule_2_3_span_logs_point_at_their_span_and_carry_no_result()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("op", span =>
        {
            span.Log("received");
            span.Phase("step", child => child.LogError("retry", new IOException("reset")));
        });

        var op = sink.Single("op");
        var step = sink.Single("op.step");
        var received = sink.Single("op.received");
        var retry = sink.Single("op.step.retry");
        Assert.Equal(op.EventId, received.ParentEventId);
        Assert.Equal(step.EventId, retry.ParentEventId);
        Assert.Equal(op.TraceId, retry.TraceId);
        Assert.Equal("reset", retry.Error!.Message);
        Assert.False(received.Properties.ContainsKey("result"));
    }

    [Fact]
    public void Rule_2_3_dotted_phase_and_log_names_are_sanitised_with_a_warning_and_still_emit()
    {
        var service = TestTelemetry.Service(out var sink, out _, out var logger);
        service.Trace("op", span =>
        {
            span.Phase("bad.name", _ => { });
            span.Log("also.bad");
        });

        Assert.Single(sink.Events, e => e.EventName == "op.bad_name");
        Assert.Single(sink.Events, e => e.EventName == "op.also_bad");
        Assert.Contains(logger.Warnings, w => w.Message == "Telemetry phase name 'bad.name' contains '.', sanitized to 'bad_name'");
        Assert.Contains(logger.Warnings, w => w.Message == "Telemetry log name 'also.bad' contains '.', sanitized to 'also_bad'");
    }

    [Fact]
    public async Task Rule_2_3_flush_is_ok_only_when_every_sink_flushed_and_never_throws()
    {
        var healthy = new RecordingSink();
        var service = new TelemetryService(TestTelemetry.Context(), [healthy, new ThrowingSink()], TelemetryLevel.Local, new FakeTimeProvider(TestClock.Start), new CapturingLogger());

        var result = await service.FlushAsync(CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.False(result.Ok);
        Assert.Equal([new SinkFlushResult("recording", true), new SinkFlushResult("throwing", false)], result.Sinks);
    }

    [Fact]
    public async Task Rule_2_3_dispose_flushes_then_disposes_every_sink_even_when_one_fails()
    {
        var healthy = new RecordingSink();
        var logger = new CapturingLogger();
        var service = new TelemetryService(TestTelemetry.Context(), [new ThrowingSink(), healthy], TelemetryLevel.Local, new FakeTimeProvider(TestClock.Start), logger);

        await service.DisposeAsync().AsTask().WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(1, healthy.FlushCount);
        Assert.True(healthy.Disposed);
        Assert.Contains(logger.Warnings, w => w.Message == "Telemetry sink 'throwing' dispose failed");
    }

    [Fact]
    public void Rule_2_7_a_throwing_sink_is_logged_and_skipped_while_other_sinks_get_the_event()
    {
        var healthy = new RecordingSink();
        var logger = new CapturingLogger();
        var service = new TelemetryService(TestTelemetry.Context(), [new ThrowingSink(), healthy], TelemetryLevel.Local, new FakeTimeProvider(TestClock.Start), logger);

        service.Log("a");
        service.LogError("b", new InvalidOperationException("x"));

        Assert.Equal(["a", "b"], healthy.Events.Select(e => e.EventName));
        Assert.Equal(2, logger.Warnings.Count(w => w.Message == "Telemetry sink 'throwing' write failed"));
    }

    [Fact]
    public void Rule_2_7_an_event_without_a_name_is_dropped_and_logged_instead_of_throwing()
    {
        var service = TestTelemetry.Service(out var sink, out _, out var logger);

        service.Log(null!);
        Assert.Equal(3, service.Trace(" ", _ => 3));

        Assert.Empty(sink.Events);
        Assert.Equal(2, logger.Warnings.Count(w => w.EventId.Id == 2004));
    }

    [Fact]
    public void Rule_2_7_trace_returns_the_value_even_when_every_sink_throws()
    {
        var service = new TelemetryService(TestTelemetry.Context(), [new ThrowingSink()], TelemetryLevel.Local, new FakeTimeProvider(TestClock.Start), new CapturingLogger());

        Assert.Equal("value", service.Trace("op", span =>
        {
            span.Phase("child", _ => { });
            span.Log("note");
            return "value";
        }));
    }

    [Fact]
    public void Rule_2_7_trace_rethrows_the_body_exception_and_never_a_telemetry_exception()
    {
        var service = new TelemetryService(TestTelemetry.Context(), [new ThrowingSink()], TelemetryLevel.Local, new FakeTimeProvider(TestClock.Start), new CapturingLogger());
        var thrown = new ArgumentException("body failed");

        var caught = Assert.Throws<ArgumentException>(() => service.Trace("op", _ => throw thrown));

        Assert.Same(thrown, caught);
    }

    [Fact]
    public void Rule_2_7_every_emitted_event_is_written_to_the_debug_log_at_trace_level()
    {
        var service = TestTelemetry.Service(out _, out _, out var logger);
        service.Log("auth.login_prompted");

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Trace && e.Message == "[telemetry] auth.login_prompted");
    }

    [Theory]
    [InlineData("off", true)]
    [InlineData("OFF", true)]
    [InlineData(" off ", true)]
    [InlineData("local", false)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("deployment", false)]
    [InlineData("0", false)]
    public void Rule_2_8_only_off_turns_telemetry_off_and_anything_else_means_local(string? value, bool off)
    {
        Assert.Equal(off ? TelemetryLevel.Off : TelemetryLevel.Local, TelemetryLevels.Parse(value));
    }

    [Fact]
    public void Rule_2_8_switching_to_off_flushes_the_sinks_and_suppresses_later_calls()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("before");

        service.SetLevel(TelemetryLevel.Off);
        service.Log("suppressed");
        service.LogError("suppressed.error", "x");
        var value = service.Trace("suppressed.trace", _ => 5);

        Assert.Equal(5, value);
        Assert.Equal(1, sink.FlushCount);
        Assert.Equal(["before"], sink.Events.Select(e => e.EventName));
    }

    [Fact]
    public void Rule_2_8_switching_back_to_local_resumes_emission()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _, TelemetryLevel.Off);
        service.Log("suppressed");
        service.SetLevel(TelemetryLevel.Local);
        service.Log("recorded");

        Assert.Equal(["recorded"], sink.Events.Select(e => e.EventName));
    }

    [Fact]
    public async Task Rule_2_8_the_environment_switch_off_creates_no_files_at_all()
    {
        using var directory = new TempDirectory();
        var target = directory.Combine("telemetry");
        var service = LocalTelemetry.Create(new LocalTelemetryOptions
        {
            Environment = name => name switch
            {
                "OUTPOST_TELEMETRY" => "off",
                "OUTPOST_TELEMETRY_DIR" => target,
                _ => null,
            },
            TimeProvider = new FakeTimeProvider(TestClock.Start),
        });

        service.Log("a");
        service.Trace("b", span => span.Log("c"));
        await service.DisposeAsync().AsTask().WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(TelemetryLevel.Off, service.Level);
        Assert.False(Directory.Exists(target));
    }
}
