using System.Text.Json;
using Outpost.Telemetry.Local;

namespace Outpost.Telemetry.Tests.Local;

public sealed class ReaderTests
{
    private const string Header = """{"kind":"header","schema_version":1,"timestamp":"2026-05-04T12:00:00.000Z","context":{"cli_version":"1.2.3","machine_id":"m","session_id":"s1","os_type":"linux","os_version":"6","host_arch":"x64","platform_name":"dotnet","platform_version":"10"}}""";

    private static string Row(string name = "a", string extra = "", string timestamp = "2026-05-04T12:00:01.000Z", string deployment = ",\"deployment_url\":\"\"") =>
        $$"""{"event_id":"0011223344556677","event_name":"{{name}}","timestamp":"{{timestamp}}","event_sequence":0,"properties":{},"measurements":{}{{extra}}{{deployment}}}""";

    private static List<TelemetryEvent> Read(params string[] lines) =>
        [.. TelemetryFileReader.Read("telemetry-2026-05-04-s1.jsonl", new StringReader(string.Join('\n', lines)))];

    private static TelemetryFileParseException Fails(params string[] lines) =>
        Assert.Throws<TelemetryFileParseException>(() => Read(lines));

    [Fact]
    public void Rule_4_3_rows_inherit_the_header_context_schema_version_and_their_own_deployment_url()
    {
        var events = Read(Header, Row(deployment: ",\"deployment_url\":\"https://x.example.com\""));

        var e = Assert.Single(events);
        Assert.Equal("s1", e.Context.SessionId);
        Assert.Equal("1.2.3", e.Context.CliVersion);
        Assert.Equal("https://x.example.com", e.Context.DeploymentUrl);
        Assert.Equal(1, e.SchemaVersion);
    }

    [Fact]
    public void Rule_4_3_blank_lines_are_skipped_and_a_header_alone_is_a_valid_empty_file()
    {
        Assert.Empty(Read("", "  ", Header, ""));
        Assert.Single(Read("", Header, "", Row(), ""));
    }

    [Fact]
    public void Rule_4_3_a_row_before_the_header_fails_with_its_line_number()
    {
        var failure = Fails("", Row(), Header);

        Assert.Equal("Failed to parse telemetry file telemetry-2026-05-04-s1.jsonl:2: expected a file header before event rows", failure.Message);
        Assert.Equal(2, failure.LineNumber);
    }

    [Fact]
    public void Rule_4_3_a_second_header_fails()
    {
        Assert.EndsWith(":3: unexpected second file header", Fails(Header, Row(), Header).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_4_3_an_unknown_kind_fails()
    {
        Assert.EndsWith(":1: unknown kind \"footer\"", Fails("""{"kind":"footer"}""").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"1\"")]
    public void Rule_4_3_schema_version_must_be_a_positive_integer(string version)
    {
        var header = Header.Replace("\"schema_version\":1", $"\"schema_version\":{version}", StringComparison.Ordinal);

        Assert.StartsWith("Failed to parse telemetry file telemetry-2026-05-04-s1.jsonl:1: ", Fails(header).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-02-30T12:00:00.000Z")]
    [InlineData("yesterday")]
    [InlineData("2026-05-04 12:00:00")]
    public void Rule_4_3_timestamps_must_be_real_iso_datetimes(string timestamp)
    {
        Assert.EndsWith($":2: invalid timestamp '{timestamp}'", Fails(Header, Row(timestamp: timestamp)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_4_3_rows_must_include_deployment_url()
    {
        Assert.EndsWith(":2: row has no deployment_url", Fails(Header, Row(deployment: "")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_4_3_property_values_must_be_strings_and_measurements_numbers()
    {
        var numberProperty = Row().Replace("\"properties\":{}", "\"properties\":{\"a\":1}", StringComparison.Ordinal);
        var stringMeasurement = Row().Replace("\"measurements\":{}", "\"measurements\":{\"a\":\"1\"}", StringComparison.Ordinal);

        Assert.IsType<JsonException>(Fails(Header, numberProperty).InnerException);
        Assert.IsType<JsonException>(Fails(Header, stringMeasurement).InnerException);
    }

    [Fact]
    public void Rule_4_3_keys_inside_properties_and_measurements_are_never_renamed()
    {
        var row = Row().Replace("\"properties\":{}", "\"properties\":{\"workspaceName\":\"w\",\"status.from\":\"x\"}", StringComparison.Ordinal)
            .Replace("\"measurements\":{}", "\"measurements\":{\"observedDurationMs\":5}", StringComparison.Ordinal);

        var e = Assert.Single(Read(Header, row));
        Assert.Equal(["workspaceName", "status.from"], e.Properties.Keys);
        Assert.Equal(5, e.Measurements["observedDurationMs"]);
    }

    [Fact]
    public void Rule_4_3_rows_that_share_a_deployment_url_share_one_context()
    {
        var events = Read(Header, Row("a"), Row("b"), Row("c", deployment: ",\"deployment_url\":\"https://o\""));

        Assert.Same(events[0].Context, events[1].Context);
        Assert.NotSame(events[0].Context, events[2].Context);
    }

    [Fact]
    public void Rule_4_3_events_before_a_bad_line_are_handed_out_before_it_fails()
    {
        var seen = new List<string>();
        var failure = Assert.Throws<TelemetryFileParseException>(() =>
        {
            foreach (var e in TelemetryFileReader.Read("f.jsonl", new StringReader(string.Join('\n', Header, Row("ok"), "{broken"))))
            {
                seen.Add(e.EventName);
            }
        });

        Assert.Equal(["ok"], seen);
        Assert.StartsWith("Failed to parse telemetry file f.jsonl:3: ", failure.Message, StringComparison.Ordinal);
        Assert.IsType<JsonException>(failure.InnerException);
    }

    [Fact]
    public void Rule_4_3_the_error_block_is_read_back()
    {
        var row = Row(extra: ",\"trace_id\":\"00112233445566778899aabbccddeeff\",\"parent_event_id\":\"8899aabbccddeeff\",\"error\":{\"message\":\"m\",\"type\":\"T\",\"code\":\"401\"}");

        var e = Assert.Single(Read(Header, row));
        Assert.Equal(new TelemetryError("m", "T", "401"), e.Error);
        Assert.Equal("8899aabbccddeeff", e.ParentEventId);
    }
}
