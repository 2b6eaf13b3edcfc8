using System.Text.Json;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Telemetry.Tests.Local;

namespace Outpost.Telemetry.Tests;

/// <summary>Issue 14 point 6: list properties (cli_invocation's args, optionKeys, globalOptions) are JSON arrays in rows and exports.</summary>
public sealed class ArrayPropertyTests
{
    [Fact]
    public async Task A_list_property_is_a_json_array_in_the_row_the_reader_the_json_export_and_otlp()
    {
        await using var harness = new SinkHarness();
        harness.Service.Log("cli_invocation", new TelemetryProperties
        {
            { "args", new[] { "<REDACTED>", "create" } },
            { "optionKeys", Array.Empty<string>() },
            { "command", "provisioner" },
        });
        await harness.FlushAsync();

        var file = harness.Directory.TelemetryFiles().Single();
        var row = File.ReadAllLines(harness.Directory.Combine(file))[1];
        var properties = JsonDocument.Parse(row).RootElement.GetProperty("properties");
        Assert.Equal(JsonValueKind.Array, properties.GetProperty("args").ValueKind);
        Assert.Equal(["<REDACTED>", "create"], properties.GetProperty("args").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, properties.GetProperty("optionKeys").GetArrayLength());
        Assert.Equal(JsonValueKind.String, properties.GetProperty("command").ValueKind);

        var read = Assert.Single(harness.ReadAll());
        Assert.Equal(["args", "optionKeys"], read.ArrayPropertyKeys.Order(StringComparer.Ordinal));
        Assert.Equal(["<REDACTED>", "create"], JsonSerializer.Deserialize<string[]>(read.Properties["args"])!);

        using var json = new MemoryStream();
        await new JsonExportWriter().WriteAsync([read], new ExportDescriptor(ExportRange.AllTime(DateTimeOffset.UnixEpoch), 1, "test"), json, CancellationToken.None).WaitAsync(TestTelemetry.Timeout);
        var exported = JsonDocument.Parse(json.ToArray()).RootElement[0].GetProperty("properties");
        Assert.Equal(JsonValueKind.Array, exported.GetProperty("args").ValueKind);
        Assert.Equal(JsonValueKind.Array, exported.GetProperty("optionKeys").ValueKind);

        using var otlp = new MemoryStream();
        await new OtlpJsonExportWriter().WriteAsync([read], new ExportDescriptor(ExportRange.AllTime(DateTimeOffset.UnixEpoch), 1, "test"), otlp, CancellationToken.None).WaitAsync(TestTelemetry.Timeout);
        var logs = System.Text.Encoding.UTF8.GetString(otlp.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).Single(r => r.TryGetProperty("resourceLogs", out _));
        var attributes = logs.GetProperty("resourceLogs")[0].GetProperty("scopeLogs")[0].GetProperty("logRecords")[0].GetProperty("attributes").EnumerateArray()
            .ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value"));
        Assert.Equal(["<REDACTED>", "create"], attributes["args"].GetProperty("arrayValue").GetProperty("values").EnumerateArray().Select(v => v.GetProperty("stringValue").GetString()));
        Assert.Equal("provisioner", attributes["command"].GetProperty("stringValue").GetString());
    }

    [Fact]
    public void List_elements_are_redacted_like_string_values()
    {
        var properties = new TelemetryProperties { { "notes", new[] { "Bearer Zq9CanaRy7xYt2Lp4Wm8Rb", "plain" } }, { "secrets", new[] { "x" } } };
        var values = properties.ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("[\"Bearer [REDACTED]\",\"plain\"]", values["notes"]);
        Assert.Equal("[\"[REDACTED]\"]", values["secrets"]);
    }
}
