using System.Text.Json;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Tests.Fakes;
using static Outpost.Telemetry.Tests.Export.ExportFixture;

namespace Outpost.Telemetry.Tests.Export;

public sealed class OtlpExportTests
{
    private const string Trace = "00112233445566778899aabbccddeeff";

    private static async Task<Dictionary<string, JsonElement>> ExportAsync(params string[] rows)
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", [Header("aaaaaaaa"), .. rows]);
        var (_, text) = await ExportFixture.ExportAsync(directory, new OtlpJsonExportWriter());
        var requests = new Dictionary<string, JsonElement>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var property = Assert.Single(root.EnumerateObject());
            requests[property.Name] = property.Value;
        }

        return requests;
    }

    private static JsonElement Records(Dictionary<string, JsonElement> requests, string resource, string scope, string records, int block = 0) =>
        requests[resource][block].GetProperty(scope)[0].GetProperty(records);

    private static Dictionary<string, string> Attributes(JsonElement owner) =>
        owner.GetProperty("attributes").EnumerateArray().ToDictionary(
            a => a.GetProperty("key").GetString()!,
            a => a.GetProperty("value").EnumerateObject().Single().Value.ToString());

    private static string[] AttributeKeys(JsonElement owner) =>
        [.. owner.GetProperty("attributes").EnumerateArray().Select(a => a.GetProperty("key").GetString()!)];

    [Fact]
    public async Task Rule_10_6_spans_go_to_traces_logs_and_span_logs_to_logs_and_metric_events_to_metrics()
    {
        var requests = await ExportAsync(
            Row("op", "2026-05-01T10:00:01.000Z", $",\"trace_id\":\"{Trace}\"".Replace("\"properties\":{}", "", StringComparison.Ordinal)).Replace("\"properties\":{}", "\"properties\":{\"result\":\"success\"}", StringComparison.Ordinal),
            Row("op.note", "2026-05-01T10:00:00.500Z", $",\"trace_id\":\"{Trace}\",\"parent_event_id\":\"8899aabbccddeeff\""),
            Row("plain", "2026-05-01T10:00:02.000Z"),
            Row("http.requests", "2026-05-01T10:00:03.000Z", $",\"trace_id\":\"{Trace}\"").Replace("\"measurements\":{}", "\"measurements\":{\"duration.p95_ms\":12}", StringComparison.Ordinal));

        var spans = Records(requests, "resourceSpans", "scopeSpans", "spans");
        var logs = Records(requests, "resourceLogs", "scopeLogs", "logRecords");
        var metrics = Records(requests, "resourceMetrics", "scopeMetrics", "metrics");
        Assert.Equal(["op"], spans.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["op.note", "plain"], logs.EnumerateArray().Select(l => l.GetProperty("body").GetProperty("stringValue").GetString()));
        Assert.Equal(Trace, logs[0].GetProperty("traceId").GetString());
        Assert.Equal("8899aabbccddeeff", logs[0].GetProperty("spanId").GetString());
        Assert.False(logs[1].TryGetProperty("traceId", out _));
        Assert.Equal("http.requests.duration.p95", metrics[0].GetProperty("name").GetString());
        Assert.Equal("ms", metrics[0].GetProperty("unit").GetString());
    }

    [Fact]
    public async Task Rule_10_6_blocks_carry_the_producing_resource_the_exporting_scope_and_the_schema_url()
    {
        var requests = await ExportAsync(Row("plain", "2026-05-01T10:00:00.000Z", deploymentUrl: "https://o.example.com"));

        var block = requests["resourceLogs"][0];
        Assert.Equal(
            ["service.name", "service.version", "service.instance.id", "host.id", "host.arch", "os.type", "os.version", "process.runtime.name", "process.runtime.version", "outpost.deployment.url"],
            AttributeKeys(block.GetProperty("resource")));
        var resource = Attributes(block.GetProperty("resource"));
        Assert.Equal("outpost-cli", resource["service.name"]);
        Assert.Equal("1.2.3", resource["service.version"]);
        Assert.Equal("aaaaaaaa", resource["service.instance.id"]);
        Assert.Equal("https://o.example.com", resource["outpost.deployment.url"]);
        Assert.Equal("https://opentelemetry.io/schemas/1.24.0", block.GetProperty("schemaUrl").GetString());
        var scope = block.GetProperty("scopeLogs")[0];
        Assert.Equal("outpost.telemetry.export", scope.GetProperty("scope").GetProperty("name").GetString());
        Assert.Equal("9.9.9", scope.GetProperty("scope").GetProperty("version").GetString());
        Assert.Equal("https://opentelemetry.io/schemas/1.24.0", scope.GetProperty("schemaUrl").GetString());
    }

    [Fact]
    public async Task Rule_10_6_a_new_block_starts_when_the_date_or_the_resource_changes()
    {
        var requests = await ExportAsync(
            Row("a", "2026-05-01T10:00:00.000Z"),
            Row("b", "2026-05-01T11:00:00.000Z"),
            Row("c", "2026-05-01T12:00:00.000Z", deploymentUrl: "https://other"),
            Row("d", "2026-05-02T01:00:00.000Z", deploymentUrl: "https://other"));

        var blocks = requests["resourceLogs"];
        Assert.Equal(3, blocks.GetArrayLength());
        Assert.Equal(2, Records(requests, "resourceLogs", "scopeLogs", "logRecords", 0).GetArrayLength());
        Assert.Single(Records(requests, "resourceLogs", "scopeLogs", "logRecords", 2).EnumerateArray());
        Assert.Equal(0, requests["resourceSpans"].GetArrayLength());
    }

    [Fact]
    public async Task Rule_10_6_a_span_is_timed_from_its_duration_and_reports_success_as_status_1()
    {
        var requests = await ExportAsync(Row("op", "2026-05-01T10:00:01.000Z", $",\"trace_id\":\"{Trace}\",\"parent_event_id\":\"8899aabbccddeeff\"")
            .Replace("\"properties\":{}", "\"properties\":{\"trigger\":\"reactive\",\"result\":\"success\"}", StringComparison.Ordinal)
            .Replace("\"measurements\":{}", "\"measurements\":{\"durationMs\":250.5,\"bytes\":3}", StringComparison.Ordinal));

        var span = Records(requests, "resourceSpans", "scopeSpans", "spans")[0];
        Assert.Equal("1777629601000000000", span.GetProperty("endTimeUnixNano").GetString());
        Assert.Equal("1777629600749500000", span.GetProperty("startTimeUnixNano").GetString());
        Assert.Equal("8899aabbccddeeff", span.GetProperty("parentSpanId").GetString());
        Assert.Equal(1, span.GetProperty("kind").GetInt32());
        Assert.Equal(["trigger", "result", "bytes", "outpost.event_name"], AttributeKeys(span));
        Assert.Equal(1, span.GetProperty("status").GetProperty("code").GetInt32());
        Assert.False(span.TryGetProperty("events", out _));
    }

    [Fact]
    public async Task Rule_10_6_an_error_span_has_status_2_its_message_an_error_type_and_an_exception_event()
    {
        var requests = await ExportAsync(
            Row("a", "2026-05-01T10:00:01.000Z", $",\"trace_id\":\"{Trace}\",\"error\":{{\"message\":\"refused\",\"type\":\"HttpRequestException\",\"code\":\"503\"}}")
                .Replace("\"properties\":{}", "\"properties\":{\"result\":\"error\"}", StringComparison.Ordinal),
            Row("b", "2026-05-01T10:00:02.000Z", $",\"trace_id\":\"{Trace}\"")
                .Replace("\"properties\":{}", "\"properties\":{\"result\":\"error\",\"error.type\":\"auth_failed\"}", StringComparison.Ordinal),
            Row("c", "2026-05-01T10:00:03.000Z", $",\"trace_id\":\"{Trace}\"")
                .Replace("\"properties\":{}", "\"properties\":{\"result\":\"aborted\"}", StringComparison.Ordinal));

        var spans = Records(requests, "resourceSpans", "scopeSpans", "spans");
        Assert.Equal(2, spans[0].GetProperty("status").GetProperty("code").GetInt32());
        Assert.Equal("refused", spans[0].GetProperty("status").GetProperty("message").GetString());
        Assert.Equal("HttpRequestException", Attributes(spans[0])["error.type"]);
        var exception = Assert.Single(spans[0].GetProperty("events").EnumerateArray());
        Assert.Equal("exception", exception.GetProperty("name").GetString());
        Assert.Equal(new Dictionary<string, string> { ["exception.message"] = "refused", ["exception.type"] = "HttpRequestException", ["exception.code"] = "503" }, Attributes(exception));
        Assert.Equal("auth_failed", Attributes(spans[1])["error.type"]);
        Assert.Single(AttributeKeys(spans[1]), k => k == "error.type");
        Assert.Equal(0, spans[2].GetProperty("status").GetProperty("code").GetInt32());
        Assert.DoesNotContain("error.type", AttributeKeys(spans[2]));
    }

    [Fact]
    public async Task Rule_10_6_a_log_with_an_error_is_severity_17_and_carries_the_exception_attributes()
    {
        var requests = await ExportAsync(
            Row("ok", "2026-05-01T10:00:00.000Z").Replace("\"measurements\":{}", "\"measurements\":{\"n\":2}", StringComparison.Ordinal),
            Row("bad", "2026-05-01T10:00:01.000Z", ",\"error\":{\"message\":\"m\"}"));

        var logs = Records(requests, "resourceLogs", "scopeLogs", "logRecords");
        Assert.Equal((9, "INFO"), (logs[0].GetProperty("severityNumber").GetInt32(), logs[0].GetProperty("severityText").GetString()));
        Assert.Equal((17, "ERROR"), (logs[1].GetProperty("severityNumber").GetInt32(), logs[1].GetProperty("severityText").GetString()));
        Assert.Equal("2", Attributes(logs[0])["n"]);
        Assert.Equal(["exception.message"], AttributeKeys(logs[1]));
        Assert.Equal(logs[0].GetProperty("timeUnixNano").GetString(), logs[0].GetProperty("observedTimeUnixNano").GetString());
    }

    [Fact]
    public async Task Rule_10_6_request_counts_are_cumulative_per_series_and_a_zero_total_emits_nothing()
    {
        static string Requests(string time, string route, double count) =>
            Row("http.requests", time).Replace("\"properties\":{}", $"\"properties\":{{\"route\":\"{route}\"}}", StringComparison.Ordinal)
                .Replace("\"measurements\":{}", $"\"measurements\":{{\"window_seconds\":60,\"count.2xx\":{count.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}", StringComparison.Ordinal);

        var requests = await ExportAsync(
            Requests("2026-05-01T10:01:00.000Z", "/a", 3),
            Requests("2026-05-01T10:02:00.000Z", "/b", 0),
            Requests("2026-05-01T10:03:00.000Z", "/a", 2.4));

        var metric = Assert.Single(Records(requests, "resourceMetrics", "scopeMetrics", "metrics").EnumerateArray());
        Assert.Equal("http.requests.count.2xx", metric.GetProperty("name").GetString());
        Assert.Equal("{request}", metric.GetProperty("unit").GetString());
        var sum = metric.GetProperty("sum");
        Assert.Equal(2, sum.GetProperty("aggregationTemporality").GetInt32());
        Assert.True(sum.GetProperty("isMonotonic").GetBoolean());
        var points = sum.GetProperty("dataPoints");
        Assert.Equal(["3", "5"], points.EnumerateArray().Select(p => p.GetProperty("asInt").GetString()));
        Assert.All(points.EnumerateArray(), p => Assert.Equal("1777629600000000000", p.GetProperty("startTimeUnixNano").GetString()));
    }

    [Fact]
    public async Task Rule_10_6_network_samples_become_gauges_with_units_from_their_suffix()
    {
        var requests = await ExportAsync(Row("ssh.network.sampled", "2026-05-01T10:00:00.000Z")
            .Replace("\"measurements\":{}", "\"measurements\":{\"latency_ms\":20,\"uptime_seconds\":5,\"rx_mbits\":1.5,\"peers\":2}", StringComparison.Ordinal));

        var metrics = Records(requests, "resourceMetrics", "scopeMetrics", "metrics");
        Assert.Equal(
            [("ssh.network.sampled.latency", "ms"), ("ssh.network.sampled.uptime", "s"), ("ssh.network.sampled.rx", "Mbit/s"), ("ssh.network.sampled.peers", "1")],
            metrics.EnumerateArray().Select(m => (m.GetProperty("name").GetString()!, m.GetProperty("unit").GetString()!)));
        var point = metrics[0].GetProperty("gauge").GetProperty("dataPoints")[0];
        Assert.Equal(20, point.GetProperty("asDouble").GetDouble());
        Assert.False(point.TryGetProperty("startTimeUnixNano", out _));
        Assert.Equal("ssh.network.sampled", Attributes(point)["outpost.event_name"]);
    }

    [Fact]
    public async Task Rule_10_6_request_gauges_start_at_their_window_and_cumulative_state_resets_at_a_new_block()
    {
        static string Requests(string time, double count) =>
            Row("http.requests", time).Replace(
                "\"measurements\":{}",
                $"\"measurements\":{{\"window_seconds\":60,\"count.2xx\":{count.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"duration.p95_ms\":12}}",
                StringComparison.Ordinal);

        var requests = await ExportAsync(
            Requests("2026-05-01T23:59:00.000Z", 4),
            Requests("2026-05-02T00:01:00.000Z", 1));

        Assert.Equal(2, requests["resourceMetrics"].GetArrayLength());
        var firstDay = Records(requests, "resourceMetrics", "scopeMetrics", "metrics", 0);
        var secondDay = Records(requests, "resourceMetrics", "scopeMetrics", "metrics", 1);
        var counter = secondDay.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "http.requests.count.2xx");
        Assert.Equal("1", counter.GetProperty("sum").GetProperty("dataPoints")[0].GetProperty("asInt").GetString());
        var gauge = firstDay.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "http.requests.duration.p95");
        var point = gauge.GetProperty("gauge").GetProperty("dataPoints")[0];
        Assert.Equal("1777679880000000000", point.GetProperty("startTimeUnixNano").GetString());
        Assert.Equal("1777679940000000000", point.GetProperty("timeUnixNano").GetString());
        Assert.DoesNotContain(firstDay.EnumerateArray(), m => m.GetProperty("name").GetString()!.Contains("window", StringComparison.Ordinal));
    }
}
