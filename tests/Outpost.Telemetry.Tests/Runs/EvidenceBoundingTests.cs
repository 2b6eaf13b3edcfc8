using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// run-observability-spec §6.6 (the cap of 24) and §7.9 (cleanup evidence is protected), with Outpost's pin of the cause.
public sealed class EvidenceBoundingTests
{
    private const string Incident = "incident:m";

    private static RunEvidenceEvent Event(int order, EvidenceEventType type = EvidenceEventType.ProviderProgressSeen, bool terminal = false, double? mono = null) => new()
    {
        EventId = Incident + ":evidence:" + order,
        Order = order,
        MonotonicMs = mono ?? order,
        Source = EvidenceSource.ProviderStream,
        EventType = type,
        TerminalCandidate = terminal,
        Confidence = RunConfidence.High,
    };

    [Fact]
    public void Twenty_four_events_or_fewer_are_kept_whole()
    {
        var events = Enumerable.Range(1, 24).Select(i => Event(i)).ToList();

        Assert.Equal(events, RunEvidenceBounding.Bound(events, Incident));
    }

    [Fact]
    public void A_long_run_keeps_the_first_eight_the_last_five_and_the_anchor_with_its_neighbours_plus_one_marker()
    {
        // §6.6 steps 2 and 4.
        var events = Enumerable.Range(1, 100).Select(i => i == 50 ? Event(i, EvidenceEventType.ProviderTransportFailure, terminal: true) : Event(i)).ToList();
        var bounded = RunEvidenceBounding.Bound(events, Incident);

        var kept = bounded.Where(e => e.EventType != EvidenceEventType.EvidenceOmitted).Select(e => e.Order);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 49, 50, 51, 96, 97, 98, 99, 100], kept);
        var marker = Assert.Single(bounded, e => e.EventType == EvidenceEventType.EvidenceOmitted);
        Assert.Equal(84, marker.OmittedEvents);
        Assert.Equal(8.9, marker.Order, 6);
        Assert.Equal(9, marker.MonotonicMs);
        Assert.Equal("incident:m:evidence:omitted:84", marker.EventId);
        Assert.Equal((EvidenceSource.Processor, false, RunConfidence.Medium, (string?)null), (marker.Source, marker.TerminalCandidate, marker.Confidence, marker.AttemptId));
        Assert.Equal(bounded.OrderBy(e => e.Order), bounded);
    }

    [Fact]
    public void Many_anchors_keep_the_newest_and_the_result_never_exceeds_the_cap()
    {
        // §6.6 step 3: more than 23 candidates → the newest anchors, then newest other candidates.
        var events = Enumerable.Range(1, 200)
            .Select(i => i % 4 == 0 ? Event(i, EvidenceEventType.PendingToolPartInterrupted) : Event(i))
            .ToList();
        var bounded = RunEvidenceBounding.Bound(events, Incident);

        Assert.Equal(RunEvidenceBounding.Cap, bounded.Count);
        var anchors = bounded.Where(e => e.EventType == EvidenceEventType.PendingToolPartInterrupted).Select(e => (int)e.Order).ToList();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => i * 4).TakeLast(23), anchors);
        Assert.Single(bounded, e => e.EventType == EvidenceEventType.EvidenceOmitted);
    }

    [Fact]
    public void The_cause_is_never_dropped_even_behind_more_than_twenty_three_later_anchors()
    {
        // Outpost's decision (docs/tasks.md): the terminal event (§7.2's pick) is pinned before the newest anchors.
        var run = new TestRun();
        var a = run.Attempt();
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        for (var i = 0; i < 40; i++)
        {
            run.R.PendingToolPartInterrupt(a, run.T(), InterruptionPhase.ToolInputGeneration, false);
        }

        var incident = run.Finalize().Incident!;
        Assert.Equal(RunEvidenceBounding.Cap, incident.Evidence.Count);
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.ProviderTransportFailure);
        Assert.Equal(RunCauseCategory.ProviderTransportDisconnect, incident.TerminalCause.Category);
        Assert.Equal(40, run.Finalize().PendingToolPartsInterrupted);
    }

    [Fact]
    public void A_terminal_cause_and_later_cleanup_survive_a_run_of_thousands_of_stream_events()
    {
        // §6.6 with §7.9: the newest terminal and cleanup anchors are kept.
        var run = new TestRun();
        var a = run.Attempt();
        for (var i = 0; i < 1000; i++)
        {
            run.R.ProviderProgress(a, run.T());
            run.R.VisibleOutput(a, run.T(), VisibleOutputKind.Text);
        }

        run.R.ScopeClose(run.T(), null, null, null);
        run.R.TransportFail(a, run.T(), TestRun.Reset());
        run.R.PendingToolPartInterrupt(a, run.T(), InterruptionPhase.ToolInputGeneration, false);
        var incident = run.Finalize().Incident!;

        Assert.True(incident.Evidence.Count <= RunEvidenceBounding.Cap);
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.LifecycleCloseSeen);
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.ProviderTransportFailure);
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.PendingToolPartInterrupted);
        Assert.Equal(3004 - 13, incident.Evidence.Single(e => e.EventType == EvidenceEventType.EvidenceOmitted).OmittedEvents);
    }

    [Fact]
    public void Bounding_twice_changes_nothing()
    {
        // §6.6: "Running it twice changes nothing."
        var events = Enumerable.Range(1, 80).Select(i => i % 7 == 0 ? Event(i, EvidenceEventType.LifecycleCloseSeen, terminal: true) : Event(i)).ToList();
        var once = RunEvidenceBounding.Bound(events, Incident);

        Assert.Equal(once, RunEvidenceBounding.Bound(once, Incident));
    }

    [Fact]
    public void Redaction_markers_are_sanitized_even_when_nothing_is_cut()
    {
        // §6.6 step 1, §6.5.
        var events = new[] { Event(1) with { Redactions = ["raw_tool_input", "/home/me/.ssh", "api token", "  ", "a b"] } };

        Assert.Equal(["raw_tool_input", "redacted", "redacted", "redacted", "a_b"], RunEvidenceBounding.Bound(events, Incident)[0].Redactions);
    }
}
