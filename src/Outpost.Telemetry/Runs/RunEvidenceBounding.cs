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
        if (ordered.Count <= Cap)
        {
            return ordered;
        }

        var byOrder = new Dictionary<double, int>();
        for (var i = 0; i < ordered.Count; i++)
        {
            byOrder.TryAdd(ordered[i].Order, i);
        }

        var candidates = new SortedSet<int>();
        for (var i = 0; i < Math.Min(Head, ordered.Count); i++)
        {
            candidates.Add(i);
        }

        for (var i = Math.Max(0, ordered.Count - Tail); i < ordered.Count; i++)
        {
            candidates.Add(i);
        }

        for (var i = 0; i < ordered.Count; i++)
        {
            if (!IsAnchor(ordered[i]))
            {
                continue;
            }

            candidates.Add(i);
            foreach (var neighbour in (ReadOnlySpan<double>)[ordered[i].Order - 1, ordered[i].Order + 1])
            {
                if (byOrder.TryGetValue(neighbour, out var index))
                {
                    candidates.Add(index);
                }
            }
        }

        var kept = candidates.Count > Cap - 1 ? Capped(ordered, candidates) : candidates;
        var omitted = Enumerable.Range(0, ordered.Count).Where(i => !kept.Contains(i)).ToList();
        var result = kept.Select(i => ordered[i]).ToList();
        if (omitted.Count > 0)
        {
            var first = ordered[omitted[0]];
            result.Add(new RunEvidenceEvent
            {
                EventId = incidentId + ":evidence:omitted:" + omitted.Count.ToString(CultureInfo.InvariantCulture),
                Order = first.Order - 0.1,
                OmittedEvents = omitted.Count,
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
    private static SortedSet<int> Capped(List<RunEvidenceEvent> ordered, SortedSet<int> candidates)
    {
        var kept = new SortedSet<int>();
        var terminal = candidates
            .Where(i => ordered[i].TerminalCandidate)
            .OrderBy(i => ordered[i].MonotonicMs ?? double.PositiveInfinity)
            .ThenBy(i => ordered[i].Order)
            .Select(static i => (int?)i)
            .FirstOrDefault();
        if (terminal is { } pinned)
        {
            kept.Add(pinned);
        }

        foreach (var i in candidates.Where(i => IsAnchor(ordered[i])).Reverse())
        {
            if (kept.Count >= Cap - 1)
            {
                break;
            }

            kept.Add(i);
        }

        foreach (var i in candidates.Where(i => !IsAnchor(ordered[i])).Reverse())
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
