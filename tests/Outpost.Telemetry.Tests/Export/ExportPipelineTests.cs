using System.Text.Json;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Telemetry.Tests.Local;
using static Outpost.Telemetry.Tests.Export.ExportFixture;

namespace Outpost.Telemetry.Tests.Export;

public sealed class ExportPipelineTests
{
    [Fact]
    public async Task Rule_10_3_2_no_files_means_no_events_and_the_writer_writes_its_empty_document()
    {
        using var directory = new TempDirectory();
        var writer = new CountingWriter();

        var (result, _) = await ExportAsync(directory, writer);

        Assert.Equal(0, result.EventCount);
        Assert.Equal(1, writer.Calls);
        Assert.Empty(writer.Events);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("otlp")]
    public async Task No_files_and_no_matching_events_give_the_same_valid_output(string format)
    {
        using var empty = new TempDirectory();
        using var old = new TempDirectory();
        WriteFile(old, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("old", "2026-05-01T10:00:00.000Z"));
        var range = ExportRange.Last24Hours(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));

        async Task<string> RunAsync(TempDirectory directory)
        {
            using var output = new MemoryStream();
            ITelemetryExportWriter writer = format == "otlp" ? new OtlpJsonExportWriter() : new JsonExportWriter();
            var result = await TelemetryExportPipeline.RunAsync(
                new TelemetryExportRequest { Directory = directory.Path, Range = range, Writer = writer, Output = output },
                CancellationToken.None).WaitAsync(TestTelemetry.Timeout);
            Assert.Equal(0, result.EventCount);
            return System.Text.Encoding.UTF8.GetString(output.ToArray());
        }

        var noFiles = await RunAsync(empty);
        var noMatches = await RunAsync(old);

        Assert.Equal(noFiles, noMatches);
        var lines = noFiles.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (format == "json")
        {
            Assert.Equal("[]", noFiles.Trim());
            Assert.Equal(0, JsonDocument.Parse(noFiles).RootElement.GetArrayLength());
        }
        else
        {
            Assert.Equal(["resourceSpans", "resourceLogs", "resourceMetrics"], lines.Select(l => JsonDocument.Parse(l).RootElement.EnumerateObject().Single().Name));
            Assert.All(lines, l => Assert.Equal(0, JsonDocument.Parse(l).RootElement.EnumerateObject().Single().Value.GetArrayLength()));
        }
    }

    [Fact]
    public async Task An_otlp_file_export_of_events_that_make_no_records_is_never_empty()
    {
        using var directory = new TempDirectory();
        // A request sample whose counts are all zero is an event but emits no data point.
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"),
            Row("http.requests", "2026-05-01T10:00:00.000Z").Replace("\"measurements\":{}", "\"measurements\":{\"window_seconds\":60,\"count.2xx\":0}", StringComparison.Ordinal));
        var target = directory.Combine("out.otlp.jsonl");

        var result = await TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = directory.Path, Range = ExportRange.AllTime(DateTimeOffset.UnixEpoch), Writer = new OtlpJsonExportWriter(), OutputPath = target },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(1, result.EventCount);
        var lines = (await File.ReadAllLinesAsync(target)).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public async Task Rule_10_3_2_a_missing_directory_is_an_empty_export()
    {
        using var directory = new TempDirectory();
        var writer = new CountingWriter();
        using var output = new MemoryStream();

        var result = await TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = directory.Combine("missing"), Range = ExportRange.AllTime(DateTimeOffset.UnixEpoch), Writer = writer, Output = output },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(0, result.EventCount);
    }

    [Fact]
    public async Task Rule_10_3_3_sessions_merge_by_timestamp_with_ties_broken_by_session_id()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-bbbbbbbb.jsonl", Header("bbbbbbbb"), Row("b1", "2026-05-01T10:00:00.000Z"), Row("b2", "2026-05-01T10:00:02.000Z"));
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a1", "2026-05-01T10:00:01.000Z"), Row("a2", "2026-05-01T10:00:02.000Z"));
        WriteFile(directory, "telemetry-2026-05-02-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a3", "2026-05-02T09:00:00.000Z"));
        var writer = new CountingWriter();

        var (result, _) = await ExportAsync(directory, writer);

        Assert.Equal(["b1", "a1", "a2", "b2", "a3"], writer.Events.Select(e => e.EventName));
        Assert.Equal(5, result.EventCount);
        Assert.Equal(3, writer.Descriptor!.SourceFiles);
    }

    [Fact]
    public async Task Rule_10_3_3_a_session_whose_clock_went_backwards_keeps_its_write_order()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a1", "2026-05-01T10:00:05.000Z"), Row("a2", "2026-05-01T10:00:01.000Z"), Row("a3", "2026-05-01T10:00:06.000Z"));
        WriteFile(directory, "telemetry-2026-05-01-bbbbbbbb.jsonl", Header("bbbbbbbb"), Row("b1", "2026-05-01T10:00:03.000Z"));
        var writer = new CountingWriter();

        await ExportAsync(directory, writer);

        Assert.Equal(["b1", "a1", "a2", "a3"], writer.Events.Select(e => e.EventName));
    }

    [Fact]
    public async Task Rule_10_3_3_only_events_inside_the_range_are_kept()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("early", "2026-05-01T23:59:59.999Z"));
        WriteFile(directory, "telemetry-2026-05-02-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("in", "2026-05-02T00:00:00.000Z"), Row("late", "2026-05-03T00:00:00.000Z"));
        var writer = new CountingWriter();

        await ExportAsync(directory, writer, ExportRange.Custom(new DateOnly(2026, 5, 2), new DateOnly(2026, 5, 2)));

        Assert.Equal(["in"], writer.Events.Select(e => e.EventName));
    }

    [Fact]
    public async Task Rule_10_3_3_a_corrupt_file_is_skipped_at_its_bad_line_and_later_files_continue()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("kept", "2026-05-01T10:00:00.000Z"), "{corrupt", Row("lost", "2026-05-01T10:00:01.000Z"));
        WriteFile(directory, "telemetry-2026-05-02-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("next file", "2026-05-02T10:00:00.000Z"));
        WriteFile(directory, "unrelated.txt", "not telemetry");
        var writer = new CountingWriter();

        var (result, _) = await ExportAsync(directory, writer);

        Assert.Equal(["kept", "next file"], writer.Events.Select(e => e.EventName));
        Assert.Equal(1, result.SkippedFileCount);
        Assert.StartsWith("Failed to parse telemetry file telemetry-2026-05-01-aaaaaaaa.jsonl:3: ", result.Skipped[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule_10_3_3_a_file_that_cannot_be_opened_is_reported_and_skipped()
    {
        using var directory = new TempDirectory();
        // A dangling link is listed like a file but cannot be opened, whoever runs the test.
        File.CreateSymbolicLink(directory.Combine("telemetry-2026-05-01-aaaaaaaa.jsonl"), directory.Combine("gone"));
        WriteFile(directory, "telemetry-2026-05-01-bbbbbbbb.jsonl", Header("bbbbbbbb"), Row("ok", "2026-05-01T10:00:00.000Z"));
        var writer = new CountingWriter();

        var (result, _) = await ExportAsync(directory, writer);

        Assert.Equal(["ok"], writer.Events.Select(e => e.EventName));
        var skipped = Assert.Single(result.Skipped);
        Assert.StartsWith("Failed to read telemetry file telemetry-2026-05-01-aaaaaaaa.jsonl: ", skipped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule_10_3_3_the_reader_stops_when_cancelled()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a", "2026-05-01T10:00:00.000Z"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = directory.Path, Range = ExportRange.AllTime(DateTimeOffset.UnixEpoch), Writer = new JsonExportWriter(), Output = new MemoryStream() },
            cancelled.Token).WaitAsync(TestTelemetry.Timeout));
    }

    [Fact]
    public async Task Rule_10_3_1_a_live_service_is_flushed_first_so_its_buffered_events_are_exported()
    {
        await using var harness = new SinkHarness();
        harness.Service.Log("still buffered");
        var writer = new CountingWriter();
        using var output = new MemoryStream();

        var result = await TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = harness.Directory.Path, Range = ExportRange.AllTime(DateTimeOffset.UnixEpoch), Writer = writer, Output = output, Service = harness.Service },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(["still buffered"], writer.Events.Select(e => e.EventName));
        Assert.False(result.FlushIncomplete);
    }

    [Fact]
    public async Task Rule_10_3_5_an_export_that_finds_no_events_leaves_no_file()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("old", "2026-05-01T10:00:00.000Z"));
        var target = directory.Combine("out.json");

        var result = await TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = directory.Path, Range = ExportRange.Last24Hours(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)), Writer = new JsonExportWriter(), OutputPath = target },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(0, result.EventCount);
        Assert.False(File.Exists(target));
        Assert.DoesNotContain(Directory.GetFiles(directory.Path), f => f.Contains(".temp-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rule_10_5_a_failure_midway_leaves_the_target_unchanged_and_removes_the_temp_file()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a", "2026-05-01T10:00:00.000Z"), Row("b", "2026-05-01T10:00:01.000Z"));
        var target = directory.Combine("out.json");
        await File.WriteAllTextAsync(target, "previous export");

        await Assert.ThrowsAsync<IOException>(() => TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = directory.Path, Range = ExportRange.AllTime(DateTimeOffset.UnixEpoch), Writer = new CountingWriter { FailAfterFirst = new IOException("disk full") }, OutputPath = target },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout));

        Assert.Equal("previous export", await File.ReadAllTextAsync(target));
        Assert.DoesNotContain(Directory.GetFiles(directory.Path), f => f.Contains(".temp-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rule_10_5_a_successful_file_export_replaces_the_target()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a", "2026-05-01T10:00:00.000Z"));
        var target = directory.Combine("out.json");
        await File.WriteAllTextAsync(target, "previous export");

        var result = await TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest { Directory = directory.Path, Range = ExportRange.AllTime(DateTimeOffset.UnixEpoch), Writer = new JsonExportWriter(), OutputPath = target },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

        Assert.Equal(1, result.EventCount);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(target));
        Assert.Equal("a", document.RootElement[0].GetProperty("event_name").GetString());
    }

    [Fact]
    public async Task Rule_10_5_the_json_array_has_one_event_per_line()
    {
        using var directory = new TempDirectory();
        WriteFile(directory, "telemetry-2026-05-01-aaaaaaaa.jsonl", Header("aaaaaaaa"), Row("a", "2026-05-01T10:00:00.000Z", deploymentUrl: "https://o"), Row("b", "2026-05-01T10:00:01.000Z", extra: ",\"trace_id\":\"00112233445566778899aabbccddeeff\""));

        var (result, text) = await ExportAsync(directory, new JsonExportWriter());

        var lines = text.Split('\n');
        Assert.Equal(2, result.EventCount);
        Assert.Equal("[", lines[0]);
        Assert.EndsWith("},", lines[1], StringComparison.Ordinal);
        Assert.Equal(["]", ""], lines[3..]);
        using var document = JsonDocument.Parse(text);
        var first = document.RootElement[0];
        Assert.Equal(["event_id", "event_name", "timestamp", "event_sequence", "properties", "measurements", "schema_version", "context"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["cli_version", "machine_id", "session_id", "os_type", "os_version", "host_arch", "platform_name", "platform_version", "deployment_url"],
            first.GetProperty("context").EnumerateObject().Select(p => p.Name));
        Assert.Equal("https://o", first.GetProperty("context").GetProperty("deployment_url").GetString());
        Assert.Equal("00112233445566778899aabbccddeeff", document.RootElement[1].GetProperty("trace_id").GetString());
    }

    [Fact]
    public async Task Rule_10_5_an_empty_json_export_is_an_empty_array()
    {
        using var output = new MemoryStream();

        var count = await new JsonExportWriter().WriteAsync([], new ExportDescriptor(ExportRange.AllTime(DateTimeOffset.UnixEpoch), 0, "1"), output, CancellationToken.None);

        Assert.Equal(0, count);
        Assert.Equal("[]\n", System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }
}
