using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// One appended evidence event as the recorder keeps it (run-observability-spec §7.1): the exported fields plus
/// the internal <see cref="Cause"/>, which is stripped before export. Never modified once appended.
/// </summary>
internal sealed record RecordedEvidence
{
    public required int Order { get; init; }

    public required double MonotonicMs { get; init; }

    public required EvidenceSource Source { get; init; }

    public string? AttemptId { get; init; }

    public required EvidenceEventType EventType { get; init; }

    public bool TerminalCandidate { get; init; }

    public RunConfidence Confidence { get; init; } = RunConfidence.High;

    public ErrorFingerprint? Error { get; init; }

    public IReadOnlyList<string>? Redactions { get; init; }

    public string? ToolName { get; init; }

    public RunToolEffect? Effect { get; init; }

    public InterruptionPhase? InterruptionPhase { get; init; }

    public bool? ToolExecutionStarted { get; init; }

    public RunTerminalCause? Cause { get; init; }

    /// <summary>
    /// What bounding reads (order, time, type, terminal flag), without building the id string: bounding selects on
    /// this and converts only what it keeps (§6.6). The recorder's markers are already safe (§6.5).
    /// </summary>
    public RunEvidenceEvent Shape => new()
    {
        EventId = "",
        Order = Order,
        MonotonicMs = MonotonicMs,
        Source = Source,
        EventType = EventType,
        TerminalCandidate = TerminalCandidate,
        Confidence = Confidence,
    };

    /// <summary>The exported form, without the cause.</summary>
    public RunEvidenceEvent ToWire(string incidentId) => Shape with
    {
        EventId = RunIds.EvidenceId(incidentId, Order),
        AttemptId = AttemptId,
        Error = Error,
        Redactions = Redactions,
        ToolName = ToolName,
        ToolEffectKind = Effect?.Kind,
        ToolEffectUnsafe = Effect?.Unsafe,
        ToolEffectComplete = Effect?.Complete,
        InterruptionPhase = InterruptionPhase,
        ToolExecutionStarted = ToolExecutionStarted,
    };
}

/// <summary>The id formats of §2.</summary>
internal static class RunIds
{
    public static string RunId(string messageId) => "run:" + messageId;

    public static string AttemptId(string runId, int index) => runId + ":attempt:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string IncidentId(string messageId) => "incident:" + messageId;

    public static string EvidenceId(string incidentId, int order) => incidentId + ":evidence:" + order.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
