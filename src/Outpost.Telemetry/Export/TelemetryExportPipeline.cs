using Microsoft.Extensions.Logging;
using Outpost.Telemetry.Local;

namespace Outpost.Telemetry.Export;

/// <summary>What <c>outpost telemetry export</c> asks for: the range, the format and where to write.</summary>
public sealed record TelemetryExportRequest
{
    public required string Directory { get; init; }

    public required ExportRange Range { get; init; }

    public required ITelemetryExportWriter Writer { get; init; }

    /// <summary>The target file; null writes to <see cref="Output"/> instead.</summary>
    public string? OutputPath { get; init; }

    public Stream? Output { get; init; }

    /// <summary>A live reporter whose buffered events should be in the export, if any.</summary>
    public TelemetryService? Service { get; init; }

    public string ExporterVersion { get; init; } = Sdk.BuildVersion.Version;

    public ILogger? Logger { get; init; }

    public Action<string>? Progress { get; init; }

    public ITelemetryFileSystem? FileSystem { get; init; }
}

/// <summary>What an export wrote and what it had to skip.</summary>
public sealed record TelemetryExportResult(int EventCount, int SkippedFileCount, int SourceFiles, bool FlushIncomplete, IReadOnlyList<string> Skipped)
{
    /// <summary>The one-line outcome shown to the user (spec §10.4).</summary>
    public string Describe(ExportRange range, string destination)
    {
        ArgumentNullException.ThrowIfNull(range);
        var summary = EventCount == 0
            ? $"No telemetry events found for {range.Label}."
            : $"Exported {EventCount} telemetry {(EventCount == 1 ? "event" : "events")} to {destination}.";
        return SkippedFileCount > 0 ? $"{summary} {SkippedFileCount} file(s) could not be read." : summary;
    }
}

/// <summary>
/// Reads the local files back and hands them, merged and filtered, to a writer (spec §10.3).
/// A file target is written atomically: to a sibling temp file that replaces the target only
/// when the writer finished, so a failed export leaves the old file as it was.
/// </summary>
public static class TelemetryExportPipeline
{
    public const string FlushWarning = "Some recent telemetry could not be flushed; this export may be missing the latest events.";

    /// <summary>
    /// The events of every local telemetry file in <paramref name="directory"/> within <paramref name="range"/>, merged in
    /// time order as an export reads them (lazily); a file that cannot be read is skipped and named to <paramref name="onSkipped"/>.
    /// </summary>
    public static IEnumerable<TelemetryEvent> ReadEvents(string directory, ExportRange range, Action<string> onSkipped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        var files = TelemetryFileCatalog.List(directory, null).Where(f => range.IncludesFileDate(f.Name.Date)).ToList();
        return TelemetryEventMerger.Merge(files, range, onSkipped, cancellationToken);
    }

    public static async Task<TelemetryExportResult> RunAsync(TelemetryExportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.OutputPath is null && request.Output is null)
        {
            throw new ArgumentException("An output path or stream is required.", nameof(request));
        }

        var progress = request.Progress ?? (static _ => { });
        var flushIncomplete = false;
        if (request.Service is not null)
        {
            progress("Flushing buffered events...");
            var flush = await request.Service.FlushAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (!flush.Ok)
            {
                flushIncomplete = true;
                progress(FlushWarning);
            }
        }

        progress("Locating telemetry files...");
        var files = TelemetryFileCatalog.List(request.Directory, request.FileSystem)
            .Where(f => request.Range.IncludesFileDate(f.Name.Date))
            .ToList();
        // No files is the same as no matching events: the writer still writes its empty document
        // ([] or an empty OTLP request per signal), so every export is valid for its format.
        progress("Writing export...");
        var skipped = new List<string>();
        var events = TelemetryEventMerger.Merge(files, request.Range, reason =>
        {
            skipped.Add(reason);
            if (request.Logger is { } logger)
            {
                Log.FileSkipped(logger, reason);
            }
        }, cancellationToken);
        var descriptor = new ExportDescriptor(request.Range, files.Count, request.ExporterVersion);

        var count = request.OutputPath is { } path
            ? await WriteFileAtomicallyAsync(path, request.Writer, events, descriptor, request.Logger, cancellationToken).ConfigureAwait(false)
            : await request.Writer.WriteAsync(events, descriptor, request.Output!, cancellationToken).ConfigureAwait(false);
        return new TelemetryExportResult(count, skipped.Count, files.Count, flushIncomplete, skipped);
    }

    private static async Task<int> WriteFileAtomicallyAsync(
        string path,
        ITelemetryExportWriter writer,
        IEnumerable<TelemetryEvent> events,
        ExportDescriptor descriptor,
        ILogger? logger,
        CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temp = $"{full}.temp-{TelemetryIds.NewEventId()[..8]}";
        int count;
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                count = await writer.WriteAsync(events, descriptor, stream, cancellationToken).ConfigureAwait(false);
            }

            // An export that found nothing leaves no file behind, and never replaces an older one.
            if (count > 0)
            {
                File.Move(temp, full, overwrite: true);
            }
        }
        finally
        {
            TryDelete(temp, logger);
        }

        return count;
    }

    private static void TryDelete(string path, ILogger? logger)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (logger is not null)
            {
                Log.ExportCleanupFailed(logger, path, exception);
            }
        }
    }
}
