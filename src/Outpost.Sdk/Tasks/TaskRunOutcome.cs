namespace Outpost.Sdk.Tasks;

/// <summary>
/// How a task's run ended, read from its stored run observability summary (issue 23,
/// <c>shared/spec/run-observability-spec.md</c> §4, §5, §7): the classification and retry-safety advice of the
/// summary, and the cause, phase and recovery advice of its incident when the run had one. <see cref="Sentence"/>
/// says it in one line a person understands; <c>outpost tasks show</c> prints it.
/// </summary>
public sealed record TaskRunOutcome
{
    /// <summary>The sequence of the message that closed the run (and stores its summary).</summary>
    public required long Sequence { get; init; }

    /// <summary>The run's id (<c>run:</c> and its message id).</summary>
    public required string RunId { get; init; }

    /// <summary>The classification: <c>success</c>, <c>external_stream_disconnect</c>, <c>tool_failure</c>, …</summary>
    public required string Classification { get; init; }

    /// <summary>The classification with the suffix that says more, e.g. <c>external_stream_disconnect.transport_failure</c>.</summary>
    public string? SummaryKey { get; init; }

    /// <summary>The summary's retry-safety recommendation: <c>candidate_safe_auto_retry</c>, <c>ask_user</c>, <c>do_not_auto_retry</c> or <c>unknown</c>.</summary>
    public string? RetrySafety { get; init; }

    /// <summary>Why (<c>visible_output_seen</c>, <c>tool_execution_started</c>, …).</summary>
    public string? RetrySafetyReason { get; init; }

    /// <summary>The incident's terminal cause category (<c>provider_transport_disconnect</c>, <c>local_lifecycle_close</c>, …); null without an incident.</summary>
    public string? Cause { get; init; }

    /// <summary>The cause's subcategory (<c>during_text_generation</c>, a lifecycle kind, …).</summary>
    public string? CauseSubcategory { get; init; }

    /// <summary>The incident's run phase: <c>streaming</c>, <c>tool_generation</c>, <c>tool_execution</c> or <c>unknown</c>.</summary>
    public string? Phase { get; init; }

    /// <summary>The incident's recovery recommendation (the more precise advice): <c>auto_retry_once</c>, <c>offer_continue</c>, <c>ask_user_before_retry</c>, <c>do_not_retry</c> or <c>unknown</c>.</summary>
    public string? Recovery { get; init; }

    /// <summary>Why (<c>visible_output_without_tool_execution</c>, <c>unsafe_side_effect_started</c>, …).</summary>
    public string? RecoveryReason { get; init; }

    /// <summary>How many provider requests the run made.</summary>
    public int Attempts { get; init; }

    /// <summary>The run's duration in milliseconds.</summary>
    public double? DurationMs { get; init; }

    /// <summary>When the run ended.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The outcome in one plain sentence.</summary>
    public required string Sentence { get; init; }

    /// <summary>The outcome of a stored summary.</summary>
    public static TaskRunOutcome From(long sequence, RunObservability summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var incident = summary.Incident;
        var outcome = new TaskRunOutcome
        {
            Sequence = sequence,
            RunId = summary.RunId,
            Classification = WireName.Of(summary.Classification),
            SummaryKey = summary.SummaryKey,
            RetrySafety = WireName.Of(summary.RetrySafety.Recommendation),
            RetrySafetyReason = WireName.Of(summary.RetrySafety.Reason),
            Cause = incident is null ? null : WireName.Of(incident.TerminalCause.Category),
            CauseSubcategory = incident?.TerminalCause.Subcategory,
            Phase = incident is null ? null : WireName.Of(incident.Phase.RunPhase),
            Recovery = incident is null ? null : WireName.Of(incident.Recovery.Recommendation),
            RecoveryReason = incident is null ? null : WireName.Of(incident.Recovery.Reason),
            Attempts = summary.Attempts.Count,
            DurationMs = summary.DurationsMs.Total,
            CompletedAt = summary.CompletedAt,
            Sentence = string.Empty,
        };
        return outcome with { Sentence = Describe(outcome) };
    }

    /// <summary>
    /// "The last run ended because the model provider's stream disconnected while the model was writing its answer
    /// (external_stream_disconnect, phase streaming); do not retry it automatically: text was already shown — continue it
    /// with a follow-up instead."
    /// </summary>
    public static string Describe(TaskRunOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Classification == "success")
        {
            return $"The last run completed normally (success, {Count(outcome.Attempts)}).";
        }

        var what = outcome.Cause is { } cause ? CauseText(cause, outcome.CauseSubcategory) : ClassificationText(outcome.Classification);
        var phase = outcome.Phase is { } p ? $", phase {p}" : string.Empty;
        return $"The last run ended because {what} ({outcome.Classification}{phase}); {Advice(outcome)}.";
    }

    private static string Count(int attempts) => attempts == 1 ? "1 provider request" : $"{attempts} provider requests";

    private static string CauseText(string cause, string? subcategory) => cause switch
    {
        "provider_transport_disconnect" => "the model provider's stream disconnected" + subcategory switch
        {
            "before_first_provider_progress" => " before the model sent anything",
            "during_text_generation" => " while the model was writing its answer",
            "during_tool_input_generation" => " while the model was writing a tool call",
            "after_tool_call_before_execution" => " after the model asked for a tool, before the tool ran",
            "after_tool_result" => " after a tool's result",
            _ => string.Empty,
        },
        "local_lifecycle_close" => subcategory switch
        {
            "task_stop" => "the user stopped it",
            "workspace_stop" => "the workspace was stopped",
            "agent_shutdown" => "the workspace agent shut down",
            "agent_reinitialize" or "instance_reload" => "the workspace agent was reinitialised",
            "instance_dispose" or "instance_dispose_directory" or "instance_dispose_all" => "the workspace agent closed the run",
            _ => "the run was closed without a recorded reason",
        },
        "user_cancel" => "the user cancelled it",
        "watchdog_timeout" => "the model provider sent nothing for too long",
        "request_setup_failure" => "the request to the model provider could not be made (refused, unreachable or misconfigured)",
        "tool_execution_failure" => "a tool failed while it ran",
        "tool_execution_interrupted" => "a tool was interrupted while it ran",
        "crash_or_restart_incomplete" => "the agent crashed or restarted mid-run",
        _ => "of an unknown interruption",
    };

    private static string ClassificationText(string classification) => classification switch
    {
        "external_stream_disconnect" => "the model provider's stream disconnected",
        "request_setup_failure" => "the request to the model provider could not be made",
        "tool_failure" => "a tool failed",
        "unknown_scope_close" => "the run was closed without a recorded reason",
        _ => "it was interrupted",
    };

    private static string Advice(TaskRunOutcome outcome) => outcome.Recovery switch
    {
        "auto_retry_once" => "it is safe to retry: nothing was shown and no tool ran",
        "offer_continue" => outcome.RecoveryReason switch
        {
            "tool_call_materialized_without_execution" => "no tool ran, so it is safe to continue it with a follow-up",
            "partial_tool_input_without_execution" => "the tool call was cut off before it ran, so it is safe to continue it with a follow-up",
            _ => "do not simply retry it, as text was already shown: continue it with a follow-up",
        },
        "ask_user_before_retry" => outcome.RecoveryReason switch
        {
            "unsafe_side_effect_started" => "check the workspace before retrying: a tool that changes files or runs commands had started",
            "tool_execution_started" => "check the workspace before retrying: a tool had started",
            "tool_call_materialized_without_execution" => "check before retrying: the model had asked for a tool that changes the workspace, though it did not run",
            _ => "check the workspace before retrying: what the tools did is not fully known",
        },
        "do_not_retry" => "it was closed on purpose, so it is not retried; send a follow-up to continue",
        _ => outcome.RetrySafety switch
        {
            "candidate_safe_auto_retry" => "it is likely safe to retry",
            "do_not_auto_retry" => "do not retry it automatically",
            "ask_user" => "check the workspace before retrying",
            _ => "whether a retry is safe is unknown",
        },
    };
}
