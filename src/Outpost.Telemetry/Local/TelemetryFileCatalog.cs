namespace Outpost.Telemetry.Local;

internal sealed record TelemetryFile(TelemetryFileName Name, string Path, long Length);

/// <summary>Lists the telemetry files of a directory; foreign files are ignored, never touched.</summary>
internal static class TelemetryFileCatalog
{
    /// <summary>Sorted by (date, session, part); a missing directory is empty.</summary>
    public static IReadOnlyList<TelemetryFile> List(string directory, ITelemetryFileSystem? files = null)
    {
        var result = new List<TelemetryFile>();
        foreach (var entry in (files ?? TelemetryFileSystem.Instance).List(directory))
        {
            if (TelemetryFileName.TryParse(entry.Name, out var name))
            {
                result.Add(new TelemetryFile(name, entry.FullPath, entry.Length));
            }
        }

        result.Sort(static (a, b) =>
        {
            var byDate = a.Name.Date.CompareTo(b.Name.Date);
            if (byDate != 0)
            {
                return byDate;
            }

            var bySession = string.CompareOrdinal(a.Name.Session, b.Name.Session);
            return bySession != 0 ? bySession : a.Name.Part.CompareTo(b.Name.Part);
        });
        return result;
    }
}
