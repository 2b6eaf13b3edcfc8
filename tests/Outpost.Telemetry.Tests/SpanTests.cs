using Outpost.Telemetry.Tests.Fakes;

namespace Outpost.Telemetry.Tests;

public sealed class SpanTests
{
    [Fact]
    public void Rule_2_3_the_span_handle_exposes_the_ids_and_name_its_event_carries()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        (string TraceId, string EventId, string Name) seen = default;
        service.Trace("op", span => seen = (span.TraceId, span.EventId, span.EventName));

        var op = sink.Single("op");
        Assert.Equal((op.TraceId!, op.EventId, "op"), seen);
    }

    [Fact]
    public void Rule_2_3_set_property_replaces_a_value_and_keys_keep_their_first_position()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace(
            "auth.unauthorized_intercepted",
            span =>
            {
                span.SetProperty("recovery", "refresh_success");
                span.SetProperty("refreshAttempted", true);
            },
            new TelemetryProperties { { "recovery", "none" }, { "refreshAttempted", false } });

        var properties = sink.Single("auth.unauthorized_intercepted").Properties;
        Assert.Equal(["recovery", "refreshAttempted", "result"], properties.Keys);
        Assert.Equal("refresh_success", properties["recovery"]);
        Assert.Equal("true", properties["refreshAttempted"]);
    }

    [Fact]
    public void Rule_2_5_1_with_level_off_the_body_runs_with_the_noop_span_and_nothing_is_emitted()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _, TelemetryLevel.Off);
        ITelemetrySpan? seen = null;
        var phaseRan = false;
        service.Trace("op", span =>
        {
            seen = span;
            span.Phase("child", _ => phaseRan = true);
        });

        Assert.Same(NoopTelemetrySpan.Instance, seen);
        Assert.True(phaseRan);
        Assert.Empty(sink.Events);
    }

    [Fact]
    public void Rule_2_5_2_caller_properties_and_measurements_are_copied_at_start()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        var properties = new TelemetryProperties { { "trigger", "reactive" } };
        var measurements = new TelemetryMeasurements { { "attempt", 1 } };
        service.Trace(
            "op",
            _ =>
            {
                properties["trigger"] = "changed";
                properties["added"] = "late";
                measurements["attempt"] = 2;
            },
            properties,
            measurements);

        var op = sink.Single("op");
        Assert.Equal("reactive", op.Properties["trigger"]);
        Assert.False(op.Properties.ContainsKey("added"));
        Assert.Equal(1, op.Measurements["attempt"]);
    }

    [Fact]
    public void Rule_2_5_3_every_trace_gets_a_new_trace_id_and_every_span_a_new_event_id()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("a", span => span.Phase("p", _ => { }));
        service.Trace("b", _ => { });

        Assert.NotEqual(sink.Single("a").TraceId, sink.Single("b").TraceId);
        Assert.Equal(3, sink.Events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Rule_2_5_4_the_level_is_frozen_for_the_whole_trace()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("op", span =>
        {
            service.SetLevel(TelemetryLevel.Off);
            span.Phase("after_off", _ => { });
            span.Log("note");
            service.Log("outside");
        });

        Assert.Equal(["op.after_off", "op.note", "op"], sink.Events.Select(e => e.EventName));
    }

    [Fact]
    public void Rule_2_5_5_normal_return_is_success_with_the_monotonic_duration()
    {
        var service = TestTelemetry.Service(out var sink, out var time, out _);
        service.Trace("op", _ =>
        {
            time.Advance(TimeSpan.FromMilliseconds(250.5));
            // A wall-clock jump must not change a duration measured on the monotonic clock.
            time.SetUtcNow(time.GetUtcNow().AddHours(-3));
        });

        var op = sink.Single("op");
        Assert.Equal("success", op.Properties["result"]);
        Assert.Equal(250.5, op.Measurements["durationMs"]);
    }

    [Fact]
    public void Rule_2_5_5_mark_aborted_gives_aborted()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("auth.login_prompted", span => span.MarkAborted());

        Assert.Equal("aborted", sink.Single("auth.login_prompted").Properties["result"]);
        Assert.Null(sink.Single("auth.login_prompted").Error);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rule_2_5_5_failure_beats_aborted_in_either_order_and_adds_no_error_block(bool abortFirst)
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("op", span =>
        {
            if (abortFirst)
            {
                span.MarkAborted();
                span.MarkFailure();
            }
            else
            {
                span.MarkFailure();
                span.MarkAborted();
            }
        });

        Assert.Equal("error", sink.Single("op").Properties["result"]);
        Assert.Null(sink.Single("op").Error);
    }

    [Fact]
    public void A_failure_marked_with_its_cause_carries_the_redacted_error_block_and_a_throw_still_wins()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("marked", span => span.MarkFailure(new TelemetryError("retry answered 404 for Bearer Zq9CanaRy7xYt2Lp4Wm8Rb", "OutpostApiException", "404")));
        Assert.Throws<TimeoutException>(() => service.Trace("thrown", span =>
        {
            span.MarkFailure(new InvalidOperationException("first"));
            throw new TimeoutException("second");
        }));

        var marked = sink.Single("marked");
        Assert.Equal("error", marked.Properties["result"]);
        Assert.Equal("OutpostApiException", marked.Error!.Type);
        Assert.Equal("404", marked.Error.Code);
        Assert.DoesNotContain("Zq9CanaRy7xYt2Lp4Wm8Rb", marked.Error.Message, StringComparison.Ordinal);
        Assert.Equal("TimeoutException", sink.Single("thrown").Error!.Type);
    }

    [Fact]
    public void Rule_2_5_5_throw_beats_marks_and_rethrows_the_same_exception()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        var thrown = new TimeoutException("gave up");

        var caught = Assert.Throws<TimeoutException>(() => service.Trace("op", span =>
        {
            span.MarkAborted();
            throw thrown;
        }));

        Assert.Same(thrown, caught);
        var op = sink.Single("op");
        Assert.Equal("error", op.Properties["result"]);
        Assert.Equal(new TelemetryError("gave up", "TimeoutException"), op.Error);
        Assert.True(op.Measurements.ContainsKey("durationMs"));
    }

    [Fact]
    public async Task Rule_2_5_5_an_async_throw_is_recorded_and_rethrown()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);

        await Assert.ThrowsAsync<OperationCanceledException>(() => service.TraceAsync<int>("op", async (span, ct) =>
        {
            await Task.Yield();
            throw new OperationCanceledException("cancelled");
        }).WaitAsync(TestTelemetry.Timeout));

        Assert.Equal("error", sink.Single("op").Properties["result"]);
    }

    [Fact]
    public void Rule_2_5_6_children_are_emitted_before_their_parent_and_logs_when_called()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("op", span =>
        {
            span.Log("first");
            span.Phase("one", _ => { });
            span.Phase("two", child => child.Log("inside"));
        });

        Assert.Equal(["op.first", "op.one", "op.two.inside", "op.two", "op"], sink.Events.Select(e => e.EventName));
    }

    [Fact]
    public void Rule_2_5_7_a_failing_phase_fails_its_parent_and_later_phases_never_run()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        var laterRan = false;

        Assert.Throws<IOException>(() => service.Trace("op", span =>
        {
            span.Phase("ok", _ => { });
            span.Phase("bad", _ => throw new IOException("disk"));
            span.Phase("later", _ => laterRan = true);
        }));

        Assert.False(laterRan);
        Assert.Equal("success", sink.Single("op.ok").Properties["result"]);
        Assert.Equal("error", sink.Single("op.bad").Properties["result"]);
        Assert.Equal("error", sink.Single("op").Properties["result"]);
        Assert.Equal(sink.Single("op.bad").Error, sink.Single("op").Error);
        Assert.Single(sink.Events.Select(e => e.TraceId).Distinct());
    }

    [Fact]
    public void Rule_2_5_8_every_call_after_emit_is_ignored_with_exactly_one_warning_each()
    {
        var service = TestTelemetry.Service(out var sink, out _, out var logger);
        ITelemetrySpan escaped = null!;
        service.Trace("op", span => escaped = span);
        var emitted = sink.Events.Count;

        escaped.SetProperty("late", "x");
        escaped.SetMeasurement("lateMs", 1);
        escaped.MarkAborted();
        escaped.MarkFailure();
        escaped.Log("late_log");
        escaped.LogError("late_error", "x");
        var phaseValue = escaped.Phase("late_phase", _ => 9);

        Assert.Equal(9, phaseValue);
        Assert.Equal(emitted, sink.Events.Count);
        Assert.Equal("success", sink.Single("op").Properties["result"]);
        Assert.Equal(
            [
                "Telemetry span 'op' SetProperty('late') called after emit; mutation dropped",
                "Telemetry span 'op' SetMeasurement('lateMs') called after emit; mutation dropped",
                "Telemetry span 'op' MarkAborted() called after emit; mutation dropped",
                "Telemetry span 'op' MarkFailure() called after emit; mutation dropped",
                "Telemetry span 'op' Log('late_log') called after emit; call ignored",
                "Telemetry span 'op' LogError('late_error') called after emit; call ignored",
                "Telemetry span 'op' Phase('late_phase') called after emit; call ignored",
            ],
            logger.Warnings.Select(w => w.Message));
    }

    [Fact]
    public void Rule_2_5_8_a_late_phase_runs_its_body_with_a_noop_span()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        ITelemetrySpan escaped = null!;
        service.Trace("op", span => escaped = span);
        ITelemetrySpan? inner = null;

        escaped.Phase("late", child => inner = child);

        Assert.Same(NoopTelemetrySpan.Instance, inner);
        Assert.DoesNotContain(sink.Events, e => e.EventName == "op.late");
    }

    [Fact]
    public async Task Rule_2_9_a_span_handed_to_other_threads_records_every_property()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        await service.TraceAsync("op", async (span, ct) =>
        {
            var writers = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            {
                for (var j = 0; j < 100; j++)
                {
                    span.SetProperty($"k{i}_{j}", j);
                }
            }, ct));
            await Task.WhenAll(writers);
        }).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(801, sink.Single("op").Properties.Count);
    }
}
