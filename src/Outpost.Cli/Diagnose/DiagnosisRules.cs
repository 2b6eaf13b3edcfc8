using System.Globalization;

namespace Outpost.Cli.Diagnose;

/// <summary>A rule: which records it explains and how. The first rule that matches a record explains it.</summary>
internal sealed record DiagnosisRule(string Id, Func<DiagnosisRecord, DiagnosisStory, bool> Matches, Func<DiagnosisRecord, DiagnosisStory, Incident> Explain);

/// <summary>
/// Every rule that turns a record into an incident, in one table (issue 24). Records no rule matches are context (a
/// build queued, an agent ready, a session that ended as it should) and appear only in the timeline. Each rule has a
/// test in <c>DiagnosisRulesTests</c>; a new rule needs one too.
/// </summary>
internal static class DiagnosisRules
{
    /// <summary>How long a build may wait for a daemon before it is worth a look.</summary>
    public static readonly TimeSpan SlowQueue = TimeSpan.FromMinutes(1);

    public static IReadOnlyList<DiagnosisRule> All { get; } =
    [
        new("build-failed", static (r, _) => r.Kind == "build.failed", static (r, _) => Incident(r, Verdict.Investigate, BuildFailureSide(r.Field("error_code")),
            $"build #{r.BuildNumber} failed{Code(r)}: {Trim(r.Field("error"))}",
            r.Field("error_code") switch
            {
                "secret_missing" => "add the secret it names (`outpost secrets create`), then start the workspace again",
                "provisioner_unavailable" or "daemon_shutdown" => "a provisioner daemon went away mid-build: check the daemons (`outpost provisioners list`) and start the workspace again",
                "template_invalid" or "env_merge" => "fix the template (`outpost templates push`) and start the workspace again",
                _ => $"read the build's log (`outpost logs <workspace> --build {r.BuildNumber}`), fix the cause and start the workspace again",
            })),
        new("build-canceled", static (r, _) => r.Kind == "build.canceled", static (r, _) => Incident(r, Verdict.Expected, "client",
            $"build #{r.BuildNumber} was canceled before it finished", "nothing to do; start the workspace when you need it")),
        new("build-slow-queue", static (r, _) => r.Kind == "build.claimed" && r.Milliseconds("queue_wait_ms") >= SlowQueue.TotalMilliseconds,
            static (r, s) => Incident(r, Verdict.Investigate, "provisioner",
                $"build #{r.BuildNumber} waited {Duration(r.Milliseconds("queue_wait_ms"))} in the queue before {NameOr(r.Field("worker"), "a provisioner daemon")} took it",
                $"add provisioner daemons for `{s.ProvisionerOf(r.BuildNumber)}` or check the ones you have are connected (`outpost provisioners list`)")),
        new("build-unclaimed", static (r, s) => r.Kind == "build.queued" && !s.Has(x => x.Kind == "build.claimed" && x.BuildNumber == r.BuildNumber)
                && !s.Has(x => x.Kind is "build.canceled" or "build.failed" && x.BuildNumber == r.BuildNumber) && s.Now - r.Time >= SlowQueue,
            static (r, s) => Incident(r, Verdict.Investigate, "provisioner",
                $"build #{r.BuildNumber} has waited {Duration((s.Now - r.Time).TotalMilliseconds)} for a provisioner daemon: none serving `{r.Field("provisioner")}` has taken it",
                $"start a daemon that serves `{r.Field("provisioner")}` (`outpost provisionerd start`) or cancel the build (`outpost cancel <workspace>`)")),
        new("agent-start-error", static (r, _) => r.Kind == "agent.lifecycle" && r.Field("state") is "start_error" or "start_timeout",
            static (r, _) => Incident(r, Verdict.Investigate, "workspace",
                r.Field("state") == "start_error" ? $"agent {r.Agent}'s startup script failed" : $"agent {r.Agent}'s startup script ran past its timeout",
                "read the agent's script output (`outpost logs <workspace>`) and fix the template's startup script")),
        new("agent-shutdown-error", static (r, _) => r.Kind == "agent.lifecycle" && r.Field("state") is "shutdown_error" or "shutdown_timeout",
            static (r, _) => Incident(r, Verdict.Investigate, "workspace",
                r.Field("state") == "shutdown_error" ? $"agent {r.Agent}'s shutdown script failed" : $"agent {r.Agent}'s shutdown script ran past its timeout",
                "read the agent's script output (`outpost logs <workspace>`) and fix the template's shutdown script")),
        new("agent-disconnect-expected", static (r, _) => r.Kind == "agent.disconnected" && r.Field("disconnect_expected") == "true",
            static (r, s) => Incident(r, Verdict.Expected, r.Field("disconnect_reason") == "server_shutdown" ? "server" : "workspace",
                $"agent {r.Agent} disconnected at {Clock(r.Time)} ({r.Field("disconnect_reason")}{Initiated(r)})"
                + (r.Field("disconnect_reason") == "server_shutdown" && s.Next(r, x => x.Kind == "agent.connected" && x.Agent == r.Agent) is { } back
                    ? $"; it reconnected at {Clock(back.Time)}, after {Duration((back.Time - r.Time).TotalMilliseconds)}" : string.Empty),
                r.Field("disconnect_reason") == "server_shutdown" ? "nothing to do: the server was restarted and the agent reconnects by itself" : "nothing to do")),
        new("agent-disconnect", static (r, _) => r.Kind == "agent.disconnected", static (r, s) =>
        {
            var back = s.Next(r, x => x.Kind == "agent.connected" && x.Agent == r.Agent);
            return Incident(r, Verdict.Investigate, SideOf(r.Field("disconnect_initiator")),
                $"the agent {r.Agent} lost its connection at {Clock(r.Time)} ({r.Field("disconnect_reason")}{Initiated(r)})"
                + (back is null ? "; it has not reconnected" : $"; it reconnected after {Duration((back.Time - r.Time).TotalMilliseconds)}")
                + (s.OpenSessionsAt(r) is > 0 and var open ? $", while {open} session{(open == 1 ? " was" : "s were")} open" : string.Empty),
                back is null
                    ? "check that the workspace still runs (`outpost list`); restart it (`outpost restart <workspace>`) if the agent stays away"
                    : "nothing to do unless it repeats; if it does, look at the network between the workspace and the server");
        }),
        new("session-workspace-stopped", static (r, _) => r.Kind == "session.closed" && r.Field("disconnect_reason") == "workspace_stopped",
            static (r, _) => Incident(r, Verdict.Expected, "workspace",
                $"your {r.Field("type")} session ended at {Clock(r.Time)} because the workspace was stopped", "start the workspace again (`outpost start <workspace>`)")),
        new("session-server-restart", static (r, _) => r.Kind == "session.closed" && r.Field("disconnect_reason") == "server_shutdown", static (r, s) =>
        {
            var back = s.Next(r, x => x.Kind == "session.opened" && x.Agent == r.Agent && x.Field("type") == r.Field("type"));
            return Incident(r, back is null ? Verdict.Investigate : Verdict.Expected, "server",
                $"your {r.Field("type")} session was cut at {Clock(r.Time)} because the server restarted"
                + (back is null ? "; it has not reconnected" : $"; it reconnected at {Clock(back.Time)}, after {Duration((back.Time - r.Time).TotalMilliseconds)}"),
                back is null ? "reconnect (`outpost ssh <workspace>`); a terminal resumes where it was" : "nothing to do: your session resumed");
        }),
        new("session-dropped", static (r, _) => r.Kind == "session.closed" && r.Field("disconnect_expected") == "false",
            static (r, _) => Incident(r, Verdict.Investigate, SideOf(r.Field("disconnect_initiator")),
                $"your {r.Field("type")} session ({r.Field("path")}) ended at {Clock(r.Time)}: {r.Field("disconnect_reason")}{Initiated(r)}{Detail(r.Field("disconnect_detail"))}",
                r.Field("disconnect_reason") switch
                {
                    "network_error" => "the connection broke on the way; reconnect (a terminal resumes where it was)",
                    "control_plane_lost" => "the agent lost its connection to the server; see the agent's disconnect in this story",
                    "server_shutdown" => "the server restarted; reconnect",
                    _ => "reconnect; if it repeats, look at the agent's logs (`outpost logs <workspace>`)",
                })),
        new("task-run-provider-dropped", static (r, _) => r.Kind == "task.run.incident" && r.Field("category") == "provider_transport_disconnect",
            static (r, _) => Incident(r, Verdict.Investigate, "ai_provider",
                $"the AI provider dropped the stream during the run at {Clock(r.Time)} ({RunError(r)}, {NameOr(r.Field("subcategory"), "unknown phase").Replace('_', ' ')}); the run was classified {r.Field("classification")}",
                RunAdvice(r))),
        new("task-run-setup-failed", static (r, _) => r.Kind == "task.run.incident" && r.Field("category") == "request_setup_failure",
            static (r, _) => Incident(r, Verdict.Investigate, ProviderAnswered(r) ? "ai_provider" : "workspace",
                $"the run could not start at {Clock(r.Time)} ({RunError(r)}); the run was classified {r.Field("classification")}",
                r.Field("error_code") switch
                {
                    "http_status_401" or "http_status_403" => "the AI provider refused the key: replace the secret the task's agent uses (`outpost secrets`) and send the message again",
                    "http_status_429" => "the AI provider is rate limiting you: wait, then send the message again (`outpost tasks send <task> …`)",
                    _ when ProviderAnswered(r) => "check that the AI provider is reachable from the workspace, then send the message again",
                    _ => "check the task's model settings and the secret its agent needs (`outpost tasks show <task>`), then send the message again",
                })),
        new("task-run-watchdog", static (r, _) => r.Kind == "task.run.incident" && r.Field("category") == "watchdog_timeout",
            static (r, _) => Incident(r, Verdict.Investigate, "ai_provider",
                $"the AI provider went silent and the run was given up at {Clock(r.Time)} ({NameOr(r.Field("subcategory"), "watchdog")}); the run was classified {r.Field("classification")}",
                RunAdvice(r))),
        new("task-run-closed", static (r, _) => r.Kind == "task.run.incident" && r.Field("category") is "local_lifecycle_close" or "user_cancel",
            static (r, _) => Incident(r, Verdict.Expected, r.Field("lifecycle") switch
                {
                    "workspace_stop" => "workspace",
                    "agent_shutdown" or "agent_reinitialize" => "agent",
                    _ => "client",
                },
                $"the run was stopped at {Clock(r.Time)} ({NameOr(r.Field("lifecycle"), r.Field("category"))}, during {NameOr(r.Field("run_phase"), "an unknown phase").Replace('_', ' ')}); the run was classified {r.Field("classification")}",
                r.Field("tool_execution_started") == "true"
                    ? "a tool had started: check what it changed in the workspace before you send the next message"
                    : "nothing to do; send a message when you want it to go on (`outpost tasks send <task> …`)")),
        new("task-run-tool-failed", static (r, _) => r.Kind == "task.run.incident" && r.Field("category") is "tool_execution_failure" or "tool_execution_interrupted",
            static (r, _) => Incident(r, Verdict.Investigate, "workspace",
                $"the tool {NameOr(r.Field("tool"), "the model called")} {(r.Field("category") == "tool_execution_failure" ? "failed" : "was interrupted")} during the run at {Clock(r.Time)}; the run was classified {r.Field("classification")}",
                RunAdvice(r))),
        new("task-run-interrupted", static (r, _) => r.Kind == "task.run.incident", static (r, _) => Incident(r, Verdict.Investigate, "agent",
            $"the run ended without a known cause at {Clock(r.Time)} ({r.Field("category")}); the run was classified {r.Field("classification")}",
            "read the agent's log (`outpost logs <workspace>`) around that time; " + RunAdvice(r))),
        new("client-connection-failed", static (r, _) => r.Kind == "workspace.connection.opened" && r.Field("result") == "error",
            static (r, _) => Incident(r, Verdict.Investigate, r.Field("failure") switch
                {
                    "workspace_unavailable" => "workspace",
                    "agent_not_ready" => "agent",
                    "dial_refused" => "server",
                    _ => "workspace",
                },
                $"opening a {r.Field("kind")} session from this machine failed at {Clock(r.Time)}: {NameOr(r.Field("failure"), "error")}{Detail(r.Field("errorMessage"))}",
                r.Field("failure") switch
                {
                    "workspace_unavailable" => "start the workspace (`outpost start <workspace>`, or pass --start)",
                    "agent_not_ready" => "wait for the agent to be ready (`outpost list` shows it) or read its startup output (`outpost logs <workspace>`)",
                    "dial_refused" => "check that you may reach this workspace and that the server is up (`outpost diagnose --deployment`)",
                    _ => "read the refusal above; a port or program that does not exist inside the workspace is the usual cause",
                })),
        new("client-connection-dropped", static (r, s) => r.Kind == "workspace.connection.closed" && r.Field("disconnectExpected") == "false" && !s.HasServerPart,
            static (r, _) => Incident(r, Verdict.Investigate, SideOf(r.Field("disconnectInitiator")),
                $"a {r.Field("kind")} session from this machine ended at {Clock(r.Time)}: {r.Field("disconnectReason")} (initiated by the {NameOr(r.Field("disconnectInitiator"), "unknown side")})",
                "reconnect; the server's side of this is missing from this story")),
        new("client-login-required", static (r, _) => r.Kind == "auth.unauthorized_intercepted" && r.Field("recovery") == "login_required",
            static (r, _) => Incident(r, Verdict.Expected, "client", $"your session had expired at {Clock(r.Time)} and could not be refreshed", "log in again (`outpost login`)")),
    ];

    /// <summary>The incidents of a story, in time order.</summary>
    public static List<Incident> Explain(DiagnosisStory story)
    {
        ArgumentNullException.ThrowIfNull(story);
        var incidents = new List<Incident>();
        foreach (var record in story.Records)
        {
            if (All.FirstOrDefault(rule => rule.Matches(record, story)) is { } rule)
            {
                incidents.Add(rule.Explain(record, story) with { Rule = rule.Id });
            }
        }

        return incidents;
    }

    private static Incident Incident(DiagnosisRecord record, Verdict verdict, string side, string what, string advice) =>
        new() { Time = record.Time, Rule = string.Empty, Verdict = verdict, Side = side, What = what, Advice = advice };

    /// <summary>What the provider request failed with: the error's code and its cause's code, or the error's name.</summary>
    private static string RunError(DiagnosisRecord r) =>
        string.Join(", ", new[] { r.Field("error_code"), r.Field("cause_code") }.Where(c => c.Length > 0).Distinct(StringComparer.Ordinal)) is { Length: > 0 } codes
            ? codes : NameOr(r.Field("error_name"), "no error code");

    /// <summary>Whether a setup failure came from the provider or the way to it (an HTTP status, a connection), not from the workspace's settings.</summary>
    private static bool ProviderAnswered(DiagnosisRecord r) => r.Field("error_code").Length > 0 && r.Field("error_code") != "cancelled";

    /// <summary>What to do after a failed run, from the incident's recovery recommendation.</summary>
    private static string RunAdvice(DiagnosisRecord r) => r.Field("recovery") switch
    {
        "auto_retry_once" => "safe to retry: nothing was shown and no tool ran; send the message again (`outpost tasks send <task> …`)",
        "offer_continue" => "text was already shown but no tool ran: ask it to continue (`outpost tasks send <task> continue`) rather than repeating the prompt",
        "offer_resume_with_confirmation" => "a tool call was cut off before it ran: check the workspace, then ask it to continue",
        "ask_user_before_retry" => "a tool had started and may have changed the workspace: check what it changed before you ask it to continue",
        "do_not_retry" => "do not repeat the prompt as it was; send a new message when you want it to go on",
        _ => "check the workspace before you send the next message (`outpost tasks show <task>` has the run's details)",
    };

    private static string BuildFailureSide(string code) => code switch
    {
        "secret_missing" or "template_invalid" or "env_merge" => "workspace",
        "secrets_unavailable" => "server",
        _ => "provisioner",
    };

    /// <summary>A disconnect's initiator as the side it happened on.</summary>
    internal static string SideOf(string initiator) => initiator switch
    {
        "client" => "client",
        "network" => "network",
        "agent" => "agent",
        "server" => "server",
        _ => "network",
    };

    private static string Code(DiagnosisRecord r) => r.Field("error_code") is { Length: > 0 } code ? $" ({code})" : string.Empty;

    private static string Initiated(DiagnosisRecord r) =>
        (r.Field("disconnect_initiator") is { Length: > 0 } initiator ? initiator : r.Field("disconnectInitiator")) is { Length: > 0 } side ? $", initiated by the {side}" : string.Empty;

    private static string Detail(string detail) => detail.Length == 0 ? string.Empty : $" — {Trim(detail)}";

    private static string NameOr(string value, string fallback) => value.Length == 0 ? fallback : value;

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "…";

    internal static string Clock(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    internal static string Duration(double? milliseconds) => milliseconds switch
    {
        null => "an unknown time",
        < 1000 => $"{milliseconds.Value:0} ms",
        < 120_000 => $"{milliseconds.Value / 1000:0.0} s",
        _ => $"{milliseconds.Value / 60_000:0.0} min",
    };
}

/// <summary>The records of one workspace in time order, with the look-ups the rules need.</summary>
internal sealed class DiagnosisStory(IReadOnlyList<DiagnosisRecord> records, DateTimeOffset now, bool hasServerPart)
{
    public IReadOnlyList<DiagnosisRecord> Records { get; } = [.. records.OrderBy(static r => r.Time)];

    /// <summary>When the story was read: what "still waiting" is measured against.</summary>
    public DateTimeOffset Now { get; } = now;

    /// <summary>Whether the server's timeline is in the story (false when the server could not be reached).</summary>
    public bool HasServerPart { get; } = hasServerPart;

    public bool Has(Func<DiagnosisRecord, bool> predicate) => Records.Any(predicate);

    /// <summary>The first record after <paramref name="record"/> that matches.</summary>
    public DiagnosisRecord? Next(DiagnosisRecord record, Func<DiagnosisRecord, bool> predicate) =>
        Records.FirstOrDefault(r => r.Time >= record.Time && !ReferenceEquals(r, record) && predicate(r));

    /// <summary>Sessions opened before <paramref name="record"/> and closed after it (or never).</summary>
    public int OpenSessionsAt(DiagnosisRecord record)
    {
        var open = Records.Where(r => r.Kind == "session.opened" && r.Time <= record.Time).Select(r => r.Field("connection_id")).ToHashSet(StringComparer.Ordinal);
        open.ExceptWith(Records.Where(r => r.Kind == "session.closed" && r.Time < record.Time).Select(r => r.Field("connection_id")));
        return open.Count;
    }

    /// <summary>The provisioner a build was queued for.</summary>
    public string ProvisionerOf(int? buildNumber) =>
        Records.FirstOrDefault(r => r.Kind == "build.queued" && r.BuildNumber == buildNumber)?.Field("provisioner") is { Length: > 0 } p ? p : "its provisioner";
}
