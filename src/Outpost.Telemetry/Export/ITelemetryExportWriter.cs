namespace Outpost.Telemetry.Export;

/// <summary>What a writer knows about the export besides the events themselves.</summary>
public sealed record ExportDescriptor(ExportRange Range, int SourceFiles, string ExporterVersion);

/// <summary>Writes a sorted event stream in one format; returns how many events it wrote.</summary>
public interface ITelemetryExportWriter
{
    public string Format { get; }

    public string FileExtension { get; }

    public Task<int> WriteAsync(IEnumerable<TelemetryEvent> events, ExportDescriptor descriptor, Stream output, CancellationToken cancellationToken);
}
