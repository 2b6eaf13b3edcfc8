using Microsoft.Extensions.Logging;

namespace Outpost.Telemetry.Local;

/// <summary>
/// The startup clean-up of spec §4.6: first by age, then by total size, oldest first. Files of
/// the running session are never candidates; failures are logged at debug and never thrown.
/// </summary>
internal sealed class TelemetryRetention(ITelemetryFileSystem files, ILogger logger)
{
    public void Run(string directory, string ownSlug, LocalTelemetrySettings settings, DateTimeOffset now)
    {
        IReadOnlyList<TelemetryFileEntry> entries;
        try
        {
            entries = files.List(directory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.RetentionListFailed(logger, directory, exception);
            return;
        }

        var ownMarker = "-" + ownSlug;
        var survivors = new List<TelemetryFileEntry>();
        var cutoff = now - TimeSpan.FromDays(settings.MaxAgeDays);
        foreach (var entry in entries)
        {
            if (!TelemetryFileName.TryParse(entry.Name, out _) || entry.Name.Contains(ownMarker, StringComparison.Ordinal))
            {
                continue;
            }

            if (entry.LastWriteUtc < cutoff)
            {
                TryDelete(directory, entry);
            }
            else
            {
                survivors.Add(entry);
            }
        }

        survivors.Sort(static (a, b) => a.LastWriteUtc.CompareTo(b.LastWriteUtc));
        var total = survivors.Sum(static entry => entry.Length);
        foreach (var entry in survivors)
        {
            if (total <= settings.MaxTotalBytes)
            {
                break;
            }

            TryDelete(directory, entry);
            total -= entry.Length;
        }
    }

    private void TryDelete(string directory, TelemetryFileEntry entry)
    {
        try
        {
            // Only the base name is trusted: the directory listing decides where the file is.
            files.Delete(Path.Combine(directory, Path.GetFileName(entry.Name)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.RetentionDeleteFailed(logger, entry.Name, exception);
        }
    }
}
