using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Outpost.Telemetry.Tests.Fakes;

namespace Outpost.Telemetry.Tests;

public sealed partial class EventModelTests
{
    [Fact]
    public void Rule_2_1_event_ids_are_16_lowercase_hex_characters_and_unique()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        for (var i = 0; i < 200; i++)
        {
            service.Log("test.event");
        }

        Assert.All(sink.Events, e => Assert.Matches(Hex16(), e.EventId));
        Assert.Equal(200, sink.Events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Rule_2_1_trace_ids_are_32_lowercase_hex_characters()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("op", span => span.Log("inner"));

        Assert.All(sink.Events, e => Assert.Matches(Hex32(), e.TraceId!));
    }

    [Fact]
    public void Rule_2_1_timestamp_is_utc_truncated_to_milliseconds_and_a_span_carries_its_end_time()
    {
        var service = TestTelemetry.Service(out var sink, out var time, out _);
        time.SetUtcNow(new DateTimeOffset(2026, 5, 4, 12, 0, 0, TimeSpan.Zero).AddTicks(12_345));
        service.Trace("op", _ => time.Advance(TimeSpan.FromSeconds(2)));

        var span = sink.Single("op");
        Assert.Equal(TimeSpan.Zero, span.Timestamp.Offset);
        Assert.Equal(new DateTimeOffset(2026, 5, 4, 12, 0, 2, 1, TimeSpan.Zero), span.Timestamp);
    }

    [Fact]
    public void Rule_2_1_sequence_starts_at_zero_and_counts_every_event_including_trace_children()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("a");
        service.Trace("op", span =>
        {
            span.Log("inner");
            span.Phase("step", _ => { });
        });
        service.Log("b");

        Assert.Equal([0L, 1, 2, 3, 4], sink.Events.Select(e => e.EventSequence));
    }

    [Fact]
    public void Rule_2_1_events_suppressed_by_level_off_do_not_use_a_sequence_number()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("first");
        service.SetLevel(TelemetryLevel.Off);
        service.Log("suppressed");
        service.SetLevel(TelemetryLevel.Local);
        service.Log("second");

        Assert.Equal([0L, 1], sink.Events.Select(e => e.EventSequence));
    }

    [Fact]
    public void Rule_2_1_schema_version_is_1()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("a");

        Assert.Equal(1, sink.Single("a").SchemaVersion);
    }

    [Fact]
    public void Rule_2_1_result_and_durationMs_are_framework_owned_and_overwrite_caller_values()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace(
            "op",
            span =>
            {
                span.SetProperty("result", "caller");
                span.SetMeasurement("durationMs", -5);
            },
            new TelemetryProperties { { "result", "initial" } },
            new TelemetryMeasurements { { "durationMs", 999 } });

        var op = sink.Single("op");
        Assert.Equal("success", op.Properties["result"]);
        Assert.Equal(0, op.Measurements["durationMs"]);
    }

    [Fact]
    public void Rule_2_1_plain_logs_and_span_logs_never_carry_result_or_duration()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("plain");
        service.Trace("op", span => span.Log("inner"));

        foreach (var name in new[] { "plain", "op.inner" })
        {
            var e = sink.Single(name);
            Assert.False(e.Properties.ContainsKey("result"));
            Assert.False(e.Measurements.ContainsKey("durationMs"));
        }
    }

    [Fact]
    public void Rule_2_2_context_carries_the_session_fields_and_the_deployment_url_at_emit_time()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("before");
        service.SetDeploymentUrl("https://outpost.example.com");
        service.Log("during");
        service.SetDeploymentUrl("");
        service.Log("after");

        Assert.Equal("", sink.Single("before").Context.DeploymentUrl);
        Assert.Equal("https://outpost.example.com", sink.Single("during").Context.DeploymentUrl);
        Assert.Equal("", sink.Single("after").Context.DeploymentUrl);
        Assert.Equal(TestTelemetry.Context() with { DeploymentUrl = "" }, sink.Single("before").Context);
    }

    [Fact]
    public void Rule_2_2_get_context_equals_the_context_of_the_next_event()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.SetDeploymentUrl("https://a.example.com");
        var context = service.GetContext();
        service.Log("next");

        Assert.Equal(context, sink.Single("next").Context);
    }

    [Fact]
    public void Rule_2_2_the_process_context_has_a_32_hex_session_id_per_process_and_a_normalised_os()
    {
        var first = TelemetrySessionContext.Create("9.9.9");
        var second = TelemetrySessionContext.Create("9.9.9");

        Assert.Matches(Hex32(), first.SessionId);
        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.Equal(first.MachineId, second.MachineId);
        Assert.Equal("9.9.9", first.CliVersion);
        Assert.Contains(first.OsType, new[] { "linux", "darwin", "windows", "freebsd" });
        Assert.Equal(first.HostArch, first.HostArch.ToLowerInvariant());
    }

    [Fact]
    public void Rule_2_4_property_values_are_converted_to_strings_and_keys_are_kept_as_given()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Log("values", new TelemetryProperties
        {
            { "text", "kept" },
            { "flagTrue", true },
            { "flag_false", false },
            { "Integer", 1 },
            { "fraction", 1.5 },
            { "wholeDouble", 1.0 },
            { "negative", -42L },
        });

        var p = sink.Single("values").Properties;
        Assert.Equal("kept", p["text"]);
        Assert.Equal("true", p["flagTrue"]);
        Assert.Equal("false", p["flag_false"]);
        Assert.Equal("1", p["Integer"]);
        Assert.Equal("1.5", p["fraction"]);
        Assert.Equal("1", p["wholeDouble"]);
        Assert.Equal("-42", p["negative"]);
    }

    [Fact]
    public void Rule_2_4_span_set_property_converts_numbers_and_booleans_the_same_way()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        service.Trace("op", span =>
        {
            span.SetProperty("refreshAttempted", false);
            span.SetProperty("count", 3L);
            span.SetProperty("ratio", 0.25);
        });

        var p = sink.Single("op").Properties;
        Assert.Equal("false", p["refreshAttempted"]);
        Assert.Equal("3", p["count"]);
        Assert.Equal("0.25", p["ratio"]);
    }

    [Fact]
    public void Rule_2_6_an_exception_gives_its_message_and_its_type_unless_it_is_the_generic_type()
    {
        Assert.Equal(new TelemetryError("boom", "InvalidOperationException"), TelemetryError.From(new InvalidOperationException("boom")));
        Assert.Equal(new TelemetryError("plain"), TelemetryError.From(new Exception("plain")));
    }

    [Fact]
    public void Rule_2_6_strings_null_and_other_values_have_defined_messages()
    {
        Assert.Equal(new TelemetryError("just text"), TelemetryError.From("just text"));
        Assert.Equal(new TelemetryError("Unknown error"), TelemetryError.From(null));
        Assert.Equal(new TelemetryError("42"), TelemetryError.From(42));
        Assert.Equal(new TelemetryError("Non-serializable error object"), TelemetryError.From(new UnprintableError()));
    }

    [Fact]
    public void Rule_2_6_code_comes_from_status_codes_socket_errors_or_a_code_entry()
    {
        var http = TelemetryError.From(new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized));
        var socket = TelemetryError.From(new SocketException((int)SocketError.ConnectionRefused));
        var tagged = new IOException("refused");
        tagged.Data["code"] = "ECONNREFUSED";

        Assert.Equal("401", http.Code);
        Assert.Equal("ConnectionRefused", socket.Code);
        Assert.Equal("ECONNREFUSED", TelemetryError.From(tagged).Code);
        Assert.Null(TelemetryError.From(new InvalidOperationException("x")).Code);
    }

    [Fact]
    public void Rule_2_6_the_error_block_never_holds_a_stack_trace()
    {
        var service = TestTelemetry.Service(out var sink, out _, out _);
        Assert.Throws<InvalidOperationException>(() => service.Trace<int>("op", _ => ThrowDeep()));

        var error = sink.Single("op").Error!;
        Assert.Equal("deep failure", error.Message);
        Assert.DoesNotContain(" at ", error.Message, StringComparison.Ordinal);
    }

    private static int ThrowDeep() => throw new InvalidOperationException("deep failure");

    private sealed class UnprintableError
    {
        public override string ToString() => throw new InvalidOperationException("cannot print");
    }

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex Hex16();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Hex32();
}
