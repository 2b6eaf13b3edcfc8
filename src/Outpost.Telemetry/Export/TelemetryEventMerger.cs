using Outpost.Telemetry.Local;

namespace Outpost.Telemetry.Export;

/// <summary>
/// Streams the events of many sessions in time order (spec §10.3): each session's files are read
/// in (date, part) order and the sessions are merged by timestamp, ties broken by session id. A
/// session whose clock went backwards keeps its own write order, because only each session's next
/// event is ever compared.
/// </summary>
internal static class TelemetryEventMerger
{
    public static IEnumerable<TelemetryEvent> Merge(
        IReadOnlyList<TelemetryFile> files,
        ExportRange range,
        Action<string> onSkipped,
        CancellationToken cancellationToken)
    {
        var queue = new PriorityQueue<IEnumerator<TelemetryEvent>, (DateTimeOffset Time, string Session)>(
            Comparer<(DateTimeOffset Time, string Session)>.Create(static (a, b) =>
            {
                var byTime = a.Time.CompareTo(b.Time);
                return byTime != 0 ? byTime : string.CompareOrdinal(a.Session, b.Session);
            }));
        var sessions = files
            .GroupBy(static f => f.Name.Session, StringComparer.Ordinal)
            .Select(group => ReadSession([.. group.OrderBy(static f => f.Name.Date).ThenBy(static f => f.Name.Part)], range, onSkipped, cancellationToken).GetEnumerator())
            .ToList();
        try
        {
            foreach (var session in sessions)
            {
                if (session.MoveNext())
                {
                    queue.Enqueue(session, Key(session.Current));
                }
            }

            while (queue.TryDequeue(out var next, out _))
            {
                yield return next.Current;
                if (next.MoveNext())
                {
                    queue.Enqueue(next, Key(next.Current));
                }
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    private static (DateTimeOffset, string) Key(TelemetryEvent telemetryEvent) =>
        (telemetryEvent.Timestamp, telemetryEvent.Context.SessionId);

    private static IEnumerable<TelemetryEvent> ReadSession(
        List<TelemetryFile> files,
        ExportRange range,
        Action<string> onSkipped,
        CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            IEnumerator<TelemetryEvent> events;
            try
            {
                events = TelemetryFileReader.ReadFile(file.Path).GetEnumerator();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                onSkipped($"Failed to read telemetry file {file.Name.FileName}: {exception.Message}");
                continue;
            }

            using (events)
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    TelemetryEvent current;
                    try
                    {
                        if (!events.MoveNext())
                        {
                            break;
                        }

                        current = events.Current;
                    }
                    catch (TelemetryFileParseException exception)
                    {
                        onSkipped(exception.Message);
                        break;
                    }
                    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                    {
                        onSkipped($"Failed to read telemetry file {file.Name.FileName}: {exception.Message}");
                        break;
                    }

                    if (range.Contains(current.Timestamp))
                    {
                        yield return current;
                    }
                }
            }
        }
    }
}
