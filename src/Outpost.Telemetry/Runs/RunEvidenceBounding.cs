using System.Globalization;
using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// Bounds an incident's evidence to <see cref="Cap"/> entries (run-observability-spec §6.6): the first 8, the last 5,
/// every anchor (a terminal candidate or cleanup evidence) with its neighbours, and one marker for what was left out.
/// Runs when the incident is derived and again when an export sanitizes it; a second run changes nothing.
/// </summary>
public static class RunEvidenceBounding
{
    /// <summary>The most evidence entries an incident carries, the omission marker included.</summary>
    public const int Cap = 24;

    private const int Head = 8;
    private const int Tail = 5;

    /// <summary>Sanitizes every redaction marker (§6.5) and bounds the list (§6.6).</summary>
    /// <param name="evidence">The events, in any order.</param>
    /// <param name="incidentId">The incident's id (the marker's id starts with it).</param>
    /// <returns>At most <see cref="Cap"/> events, by order.</returns>
    public static IReadOnlyList<RunEvidenceEvent> Bound(IReadOnlyList<RunEvidenceEvent> evidence, string incidentId)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var ordered = evidence
            .Select(static e => e.Redactions is null ? e : e with { Redactions = [.. e.Redactions.Select(RunSafeText.Marker)] })
            .OrderBy(static e => e.Order)
            .ToList();
        return Bound(ordered, static e => e, static e => e, incidentId);
    }

    /// <summary>
    /// §6.6 over events already in order: selects which to keep from their exported shape (<paramref name="shape"/>),
    /// and converts only those (<paramref name="export"/>), so a run of many thousand events does not build them all.
    /// </summary>
    internal static IReadOnlyList<RunEvidenceEvent> Bound<T>(IReadOnlyList<T> ordered, Func<T, RunEvidenceEvent> shape, Func<T, RunEvidenceEvent> export, string incidentId)
        where T : class
    {
        if (ordered.Count <= Cap)
        {
            return [.. ordered.Select(export)];
        }

        var byOrder = new Dictionary<double, int>();
        var candidates = new SortedSet<int>();
        var anchors = new List<int>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var e = shape(ordered[i]);
            byOrder.TryAdd(e.Order, i);
            if (i < Head || i >= ordered.Count - Tail)
            {
                candidates.Add(i);
            }

            if (IsAnchor(e))
            {
                anchors.Add(i);
            }
        }

        foreach (var i in anchors)
        {
            candidates.Add(i);
            var order = shape(ordered[i]).Order;
            foreach (var neighbour in (ReadOnlySpan<double>)[order - 1, order + 1])
            {
                if (byOrder.TryGetValue(neighbour, out var index))
                {
                    candidates.Add(index);
                }
            }
        }

        var kept = candidates.Count > Cap - 1 ? Capped(candidates, i => shape(ordered[i])) : candidates;
        var omitted = ordered.Count - kept.Count;
        var result = kept.Select(i => export(ordered[i])).ToList();
        if (omitted > 0)
        {
            var firstOmitted = 0;
            while (kept.Contains(firstOmitted))
            {
                firstOmitted++;
            }

            var first = shape(ordered[firstOmitted]);
            result.Add(new RunEvidenceEvent
            {
                EventId = incidentId + ":evidence:omitted:" + omitted.ToString(CultureInfo.InvariantCulture),
                Order = first.Order - 0.1,
                OmittedEvents = omitted,
                MonotonicMs = first.MonotonicMs,
                Source = EvidenceSource.Processor,
                EventType = EvidenceEventType.EvidenceOmitted,
                TerminalCandidate = false,
                Confidence = RunConfidence.Medium,
            });
        }

        return [.. result.OrderBy(static e => e.Order)];
    }

    /// <summary>Terminal candidates and cleanup evidence (§6.6 step 2, §7.9).</summary>
    /// <param name="e">An event.</param>
    /// <returns>Whether the cap protects it.</returns>
    public static bool IsAnchor(RunEvidenceEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.TerminalCandidate || e.EventType is EvidenceEventType.PendingToolPartInterrupted or EvidenceEventType.LifecycleCloseSeen;
    }

    /// <summary>
    /// §6.6 step 3: the newest 23 anchors, then the newest other candidates. Outpost's deviation (docs/tasks.md): the
    /// terminal event — the earliest terminal candidate by monotonic time, then order, as §7.2 picks it — is kept
    /// first, so even a run with more than 23 later anchors never loses its cause to the cap.
    /// </summary>
    private static SortedSet<int> Capped(SortedSet<int> candidates, Func<int, RunEvidenceEvent> at)
    {
        var kept = new SortedSet<int>();
        var terminal = candidates
            .Where(i => at(i).TerminalCandidate)
            .OrderBy(i => at(i).MonotonicMs ?? double.PositiveInfinity)
            .ThenBy(i => at(i).Order)
            .Select(static i => (int?)i)
            .FirstOrDefault();
        if (terminal is { } pinned)
        {
            kept.Add(pinned);
        }

        foreach (var i in candidates.Where(i => IsAnchor(at(i))).Reverse())
        {
            if (kept.Count >= Cap - 1)
            {
                break;
            }

            kept.Add(i);
        }

        foreach (var i in candidates.Where(i => !IsAnchor(at(i))).Reverse())
        {
            if (kept.Count >= Cap - 1)
            {
                break;
            }

            kept.Add(i);
        }

        return kept;
    }
}
