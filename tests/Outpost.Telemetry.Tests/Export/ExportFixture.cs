using System.Text;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Tests.Fakes;

namespace Outpost.Telemetry.Tests.Export;

/// <summary>Writes telemetry files directly, so export tests control every timestamp and session.</summary>
internal static class ExportFixture
{
    public static string Header(string session, string version = "1.2.3") =>
        "{\"kind\":\"header\",\"schema_version\":1,\"timestamp\":\"2026-05-01T00:00:00.000Z\",\"context\":{\"cli_version\":\"" + version
        + "\",\"machine_id\":\"m\",\"session_id\":\"" + session
        + "\",\"os_type\":\"linux\",\"os_version\":\"6\",\"host_arch\":\"x64\",\"platform_name\":\"dotnet\",\"platform_version\":\"10\"}}";

    public static string Row(string name, string timestamp, string extra = "", string deploymentUrl = "") =>
        $$"""{"event_id":"{{Id(name, timestamp)}}","event_name":"{{name}}","timestamp":"{{timestamp}}","event_sequence":0,"properties":{},"measurements":{}{{extra}},"deployment_url":"{{deploymentUrl}}"}""";

    public static void WriteFile(TempDirectory directory, string fileName, params string[] lines) =>
        File.WriteAllText(directory.Combine(fileName), string.Join('\n', lines) + "\n");

    public static async Task<(TelemetryExportResult Result, string Text)> ExportAsync(TempDirectory directory, ITelemetryExportWriter writer, ExportRange? range = null)
    {
        using var output = new MemoryStream();
        var result = await TelemetryExportPipeline.RunAsync(
            new TelemetryExportRequest
            {
                Directory = directory.Path,
                Range = range ?? ExportRange.AllTime(DateTimeOffset.UnixEpoch),
                Writer = writer,
                Output = output,
                ExporterVersion = "9.9.9",
            },
            CancellationToken.None).WaitAsync(TestTelemetry.Timeout);
        return (result, Encoding.UTF8.GetString(output.ToArray()));
    }

    // Deterministic 16-hex ids keep rows readable in failure messages.
    private static string Id(string name, string timestamp) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name + timestamp)))[..16];
}

/// <summary>A writer that records what the pipeline handed it.</summary>
internal sealed class CountingWriter : ITelemetryExportWriter
{
    public int Calls { get; private set; }

    public List<TelemetryEvent> Events { get; } = [];

    public ExportDescriptor? Descriptor { get; private set; }

    public Exception? FailAfterFirst { get; init; }

    public string Format => "test";

    public string FileExtension => ".test";

    public Task<int> WriteAsync(IEnumerable<TelemetryEvent> events, ExportDescriptor descriptor, Stream output, CancellationToken cancellationToken)
    {
        Calls++;
        Descriptor = descriptor;
        foreach (var e in events)
        {
            Events.Add(e);
            output.Write("x"u8);
            if (FailAfterFirst is not null)
            {
                throw FailAfterFirst;
            }
        }

        return Task.FromResult(Events.Count);
    }
}
