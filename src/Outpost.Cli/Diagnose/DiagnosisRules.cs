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
            static (r, _) => Incident(r, Verdict.Expected, r.Field("disconnect_reason") == "server_shutdown" ? "server" : "workspace",
                $"agent {r.Agent} disconnected at {Clock(r.Time)} ({r.Field("disconnect_reason")}{Initiated(r)})",
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
