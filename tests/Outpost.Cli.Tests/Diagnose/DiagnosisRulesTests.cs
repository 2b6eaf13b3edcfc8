using Outpost.Cli.Diagnose;

namespace Outpost.Cli.Tests.Diagnose;

/// <summary>Each rule of <see cref="DiagnosisRules"/> on the records it explains, and the records it leaves alone.</summary>
public sealed class DiagnosisRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 42, 3, TimeSpan.Zero);

    [Fact]
    public void Every_rule_is_tested_here()
    {
        var tested = typeof(DiagnosisRulesTests).GetMethods().Where(m => m.Name.StartsWith("Rule_", StringComparison.Ordinal))
            .Select(m => m.Name["Rule_".Length..].Split("__")[0].Replace('_', '-')).ToHashSet(StringComparer.Ordinal);
        Assert.All(DiagnosisRules.All, r => Assert.Contains(r.Id, tested));
        Assert.Equal(DiagnosisRules.All.Count, DiagnosisRules.All.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Rule_build_failed__names_the_build_the_error_and_where_to_read_the_log()
    {
        var incident = Single(Server("build.failed", build: 3, fields: [("error", "apply: exit 1"), ("error_code", "apply_failed")]));
        Assert.Equal(("build-failed", Verdict.Investigate, "provisioner"), (incident.Rule, incident.Verdict, incident.Side));
        Assert.Equal("build #3 failed (apply_failed): apply: exit 1", incident.What);
        Assert.Contains("outpost logs <workspace> --build 3", incident.Advice, StringComparison.Ordinal);
        Assert.Equal("workspace", Single(Server("build.failed", build: 4, fields: [("error", "Missing required secret X"), ("error_code", "secret_missing")])).Side);
    }

    [Fact]
    public void Rule_build_canceled__is_expected()
    {
        var incident = Single(Server("build.canceled", build: 2));
        Assert.Equal((Verdict.Expected, "client"), (incident.Verdict, incident.Side));
    }

    [Fact]
    public void Rule_build_slow_queue__flags_a_wait_of_a_minute_or_more_and_names_the_provisioner()
    {
        var incident = Single(Server("build.queued", build: 1, fields: [("provisioner", "terraform")]), Server("build.claimed", build: 1, ms: 180_000, fields: [("queue_wait_ms", "180000"), ("worker", "d1")]));
        Assert.Equal(("build-slow-queue", Verdict.Investigate, "provisioner"), (incident.Rule, incident.Verdict, incident.Side));
        Assert.Equal("build #1 waited 3.0 min in the queue before d1 took it", incident.What);
        Assert.Contains("`terraform`", incident.Advice, StringComparison.Ordinal);
        Assert.Empty(Explain(Server("build.claimed", build: 1, ms: 0, fields: [("queue_wait_ms", "59999")])));
    }

    [Fact]
    public void Rule_build_unclaimed__flags_a_build_no_daemon_took_after_a_minute()
    {
        var queued = Server("build.queued", build: 5, fields: [("provisioner", "terraform")]);
        var incident = Assert.Single(DiagnosisRules.Explain(new DiagnosisStory([queued], T0.AddMinutes(3), hasServerPart: true)));
        Assert.Equal(("build-unclaimed", Verdict.Investigate), (incident.Rule, incident.Verdict));
        Assert.Equal("build #5 has waited 3.0 min for a provisioner daemon: none serving `terraform` has taken it", incident.What);
        Assert.Empty(DiagnosisRules.Explain(new DiagnosisStory([queued], T0.AddSeconds(30), hasServerPart: true)));
        Assert.DoesNotContain(DiagnosisRules.Explain(new DiagnosisStory([queued, Server("build.canceled", build: 5, ms: 1000)], T0.AddMinutes(3), hasServerPart: true)),
            i => i.Rule == "build-unclaimed");
    }

    [Fact]
    public void Rule_agent_start_error__is_the_workspace_side()
    {
        var incident = Single(Server("agent.lifecycle", agent: "main", fields: [("state", "start_error")]));
        Assert.Equal((Verdict.Investigate, "workspace", "agent main's startup script failed"), (incident.Verdict, incident.Side, incident.What));
        Assert.Contains("ran past its timeout", Single(Server("agent.lifecycle", agent: "main", fields: [("state", "start_timeout")])).What, StringComparison.Ordinal);
        Assert.Empty(Explain(Server("agent.lifecycle", agent: "main", fields: [("state", "ready")])));
    }

    [Fact]
    public void Rule_agent_shutdown_error__is_the_workspace_side()
    {
        var incident = Single(Server("agent.lifecycle", agent: "main", fields: [("state", "shutdown_timeout")]));
        Assert.Equal((Verdict.Investigate, "workspace"), (incident.Verdict, incident.Side));
        Assert.Contains("shutdown script ran past its timeout", incident.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_agent_disconnect_expected__a_stop_or_a_server_restart()
    {
        var stopped = Single(Server("agent.disconnected", agent: "main", fields: [("disconnect_reason", "workspace_stopped"), ("disconnect_expected", "true"), ("disconnect_initiator", "server")]));
        Assert.Equal((Verdict.Expected, "workspace"), (stopped.Verdict, stopped.Side));
        var restart = Single(Server("agent.disconnected", agent: "main", fields: [("disconnect_reason", "server_shutdown"), ("disconnect_expected", "true"), ("disconnect_initiator", "server")]));
        Assert.Equal((Verdict.Expected, "server"), (restart.Verdict, restart.Side));
        Assert.Contains("reconnects by itself", restart.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_agent_disconnect__says_who_initiated_it_whether_it_came_back_and_what_was_open()
    {
        var opened = Server("session.opened", agent: "main", fields: [("type", "ssh"), ("connection_id", "s1")]);
        var lost = Server("agent.disconnected", agent: "main", ms: 1000, fields: [("disconnect_reason", "network_error"), ("disconnect_expected", "false"), ("disconnect_initiator", "network")]);
        var back = Server("agent.connected", agent: "main", ms: 5100);
        var incident = Assert.Single(Explain(opened, lost, back));
        Assert.Equal(("agent-disconnect", Verdict.Investigate, "network"), (incident.Rule, incident.Verdict, incident.Side));
        Assert.Equal("the agent main lost its connection at 10:42:04 (network_error, initiated by the network); it reconnected after 4.1 s, while 1 session was open", incident.What);
        Assert.StartsWith("nothing to do unless it repeats", incident.Advice, StringComparison.Ordinal);

        var gone = Assert.Single(Explain(lost));
        Assert.EndsWith("; it has not reconnected", gone.What, StringComparison.Ordinal);
        Assert.Contains("outpost restart", gone.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_session_workspace_stopped__is_expected()
    {
        var incident = Single(Server("session.closed", agent: "main", fields: [("type", "port_forward"), ("disconnect_reason", "workspace_stopped"), ("disconnect_expected", "true")]));
        Assert.Equal((Verdict.Expected, "workspace", "your port_forward session ended at 10:42:03 because the workspace was stopped"), (incident.Verdict, incident.Side, incident.What));
    }

    [Fact]
    public void Rule_session_dropped__an_unexpected_end_with_its_detail_and_advice_by_reason()
    {
        var incident = Single(Server("session.closed", agent: "main", fields: [("type", "ssh"), ("path", "relay"), ("disconnect_reason", "control_plane_lost"),
            ("disconnect_expected", "false"), ("disconnect_initiator", "server"), ("disconnect_detail", "the agent's control plane closed")]));
        Assert.Equal((Verdict.Investigate, "server"), (incident.Verdict, incident.Side));
        Assert.Equal("your ssh session (relay) ended at 10:42:03: control_plane_lost, initiated by the server — the agent's control plane closed", incident.What);
        Assert.Contains("agent lost its connection", incident.Advice, StringComparison.Ordinal);
        Assert.Empty(Explain(Server("session.closed", fields: [("type", "exec"), ("disconnect_reason", "graceful"), ("disconnect_expected", "true")])));
    }

    [Fact]
    public void Rule_client_connection_failed__maps_the_failure_to_a_side_and_advice()
    {
        var incident = Single(Client("workspace.connection.opened", ("result", "error"), ("failure", "agent_not_ready"), ("kind", "pty")));
        Assert.Equal((Verdict.Investigate, "agent"), (incident.Verdict, incident.Side));
        Assert.Equal("opening a pty session from this machine failed at 10:42:03: agent_not_ready", incident.What);
        Assert.Equal("workspace", Single(Client("workspace.connection.opened", ("result", "error"), ("failure", "workspace_unavailable"))).Side);
        Assert.Empty(Explain(Client("workspace.connection.opened", ("result", "success"))));
    }

    [Fact]
    public void Rule_client_connection_dropped__only_when_the_servers_part_is_missing()
    {
        var closed = Client("workspace.connection.closed", ("disconnectExpected", "false"), ("disconnectReason", "network_error"), ("disconnectInitiator", "network"), ("kind", "pty"));
        var incident = Assert.Single(DiagnosisRules.Explain(new DiagnosisStory([closed], T0, hasServerPart: false)));
        Assert.Equal(("client-connection-dropped", "network"), (incident.Rule, incident.Side));
        Assert.Empty(DiagnosisRules.Explain(new DiagnosisStory([closed], T0, hasServerPart: true)));
    }

    [Fact]
    public void Rule_client_login_required__is_expected()
    {
        var incident = Single(Client("auth.unauthorized_intercepted", ("recovery", "login_required")));
        Assert.Equal((Verdict.Expected, "client"), (incident.Verdict, incident.Side));
        Assert.Empty(Explain(Client("auth.unauthorized_intercepted", ("recovery", "refresh_success"))));
    }

    [Fact]
    public void Rule_agent_disconnect_expected__says_when_the_agent_came_back_after_a_server_restart()
    {
        var restart = Server("agent.disconnected", agent: "main", fields: [("disconnect_reason", "server_shutdown"), ("disconnect_expected", "true"), ("disconnect_initiator", "server")]);
        var incident = Assert.Single(Explain(restart, Server("agent.connected", agent: "main", ms: 2300)));
        Assert.Equal("agent main disconnected at 10:42:03 (server_shutdown, initiated by the server); it reconnected at 10:42:05, after 2.3 s", incident.What);
    }

    [Fact]
    public void Rule_session_server_restart__expected_when_the_session_came_back_else_investigate()
    {
        var cut = Server("session.closed", agent: "main", fields: [("type", "pty"), ("disconnect_reason", "server_shutdown"), ("disconnect_expected", "false"), ("disconnect_initiator", "server")]);
        var resumed = Assert.Single(Explain(cut, Server("session.opened", agent: "main", ms: 1500, fields: [("type", "pty"), ("connection_id", "s2")])));
        Assert.Equal(("session-server-restart", Verdict.Expected, "server"), (resumed.Rule, resumed.Verdict, resumed.Side));
        Assert.Equal("your pty session was cut at 10:42:03 because the server restarted; it reconnected at 10:42:04, after 1.5 s", resumed.What);
        var gone = Single(cut);
        Assert.Equal((Verdict.Investigate, "your pty session was cut at 10:42:03 because the server restarted; it has not reconnected"), (gone.Verdict, gone.What));
    }

    [Fact]
    public void Rule_task_run_provider_dropped__names_the_time_the_codes_the_classification_and_the_recovery()
    {
        var incident = Single(Run("provider_transport_disconnect", ("subcategory", "during_text_generation"), ("error_code", "response_ended"), ("cause_code", "connection_reset"),
            ("classification", "external_stream_disconnect"), ("recovery", "offer_continue")));
        Assert.Equal(("task-run-provider-dropped", Verdict.Investigate, "ai_provider"), (incident.Rule, incident.Verdict, incident.Side));
        Assert.Equal("the AI provider dropped the stream during the run at 10:42:03 (response_ended, connection_reset, during text generation); the run was classified external_stream_disconnect", incident.What);
        Assert.Contains("ask it to continue", incident.Advice, StringComparison.Ordinal);
        Assert.StartsWith("safe to retry", Single(Run("provider_transport_disconnect", ("recovery", "auto_retry_once"))).Advice, StringComparison.Ordinal);
        Assert.Empty(Explain(Server("task.run.ended", fields: [("classification", "external_stream_disconnect")])));
    }

    [Fact]
    public void Rule_task_run_setup_failed__the_provider_or_the_workspace_by_whether_the_provider_answered()
    {
        var limited = Single(Run("request_setup_failure", ("error_code", "http_status_429"), ("classification", "request_setup_failure")));
        Assert.Equal((Verdict.Investigate, "ai_provider"), (limited.Verdict, limited.Side));
        Assert.Equal("the run could not start at 10:42:03 (http_status_429); the run was classified request_setup_failure", limited.What);
        Assert.Contains("rate limiting", limited.Advice, StringComparison.Ordinal);
        var unset = Single(Run("request_setup_failure", ("error_name", "InvalidOperationException")));
        Assert.Equal("workspace", unset.Side);
        Assert.Contains("secret", unset.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_task_run_watchdog__is_the_providers_silence()
    {
        var incident = Single(Run("watchdog_timeout", ("subcategory", "silent_stream"), ("recovery", "auto_retry_once")));
        Assert.Equal((Verdict.Investigate, "ai_provider"), (incident.Verdict, incident.Side));
        Assert.Contains("went silent", incident.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_task_run_closed__a_stop_is_expected_on_the_side_that_stopped_it()
    {
        var stopped = Single(Run("local_lifecycle_close", ("lifecycle", "task_stop"), ("run_phase", "tool_execution"), ("tool_execution_started", "true"), ("classification", "known_lifecycle_close")));
        Assert.Equal(("task-run-closed", Verdict.Expected, "client"), (stopped.Rule, stopped.Verdict, stopped.Side));
        Assert.Equal("the run was stopped at 10:42:03 (task_stop, during tool execution); the run was classified known_lifecycle_close", stopped.What);
        Assert.Contains("check what it changed", stopped.Advice, StringComparison.Ordinal);
        Assert.Equal("workspace", Single(Run("local_lifecycle_close", ("lifecycle", "workspace_stop"))).Side);
        Assert.Equal("agent", Single(Run("local_lifecycle_close", ("lifecycle", "agent_reinitialize"))).Side);
        Assert.Equal(Verdict.Expected, Single(Run("user_cancel")).Verdict);
    }

    [Fact]
    public void Rule_task_run_tool_failed__is_the_workspace_side_and_names_the_tool()
    {
        var incident = Single(Run("tool_execution_failure", ("tool", "run_command"), ("recovery", "ask_user_before_retry")));
        Assert.Equal((Verdict.Investigate, "workspace"), (incident.Verdict, incident.Side));
        Assert.StartsWith("the tool run_command failed during the run at 10:42:03", incident.What, StringComparison.Ordinal);
        Assert.Contains("may have changed the workspace", incident.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_task_run_interrupted__any_other_cause_is_the_agents_to_investigate()
    {
        var incident = Single(Run("crash_or_restart_incomplete"));
        Assert.Equal(("task-run-interrupted", Verdict.Investigate, "agent"), (incident.Rule, incident.Verdict, incident.Side));
        Assert.Contains("outpost logs <workspace>", incident.Advice, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30m", -30 * 60)]
    [InlineData("24h", -24 * 3600)]
    [InlineData("7d", -7 * 86400)]
    public void Since_takes_a_duration_back_from_now(string text, int seconds) =>
        Assert.Equal(T0.AddSeconds(seconds), DiagnoseCommand.ParseSince(text, T0));

    [Theory]
    [InlineData("2026-12-01T08:00:00Z")]
    [InlineData("2026-12-01T09:00:00+01:00")]
    public void Since_takes_an_rfc_3339_time(string text) =>
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), DiagnoseCommand.ParseSince(text, T0));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("0d")]
    [InlineData("5w")]
    [InlineData("2026-12-01")]
    [InlineData("-3h")]
    public void Since_refuses_anything_else(string text) => Assert.Null(DiagnoseCommand.ParseSince(text, T0));

    private static Incident Single(params DiagnosisRecord[] records) => Assert.Single(Explain(records));

    private static List<Incident> Explain(params DiagnosisRecord[] records) => DiagnosisRules.Explain(new DiagnosisStory(records, T0, hasServerPart: true));

    private static DiagnosisRecord Server(string kind, int? build = null, int ms = 0, string? agent = null, (string, string)[]? fields = null) => new()
    {
        Time = T0.AddMilliseconds(ms),
        Origin = "server",
        Source = kind.Split('.')[0],
        Kind = kind,
        BuildNumber = build,
        Agent = agent,
        Fields = (fields ?? []).ToDictionary(f => f.Item1, f => f.Item2),
    };

    private static DiagnosisRecord Run(string category, params (string, string)[] fields) =>
        Server("task.run.incident", fields: [("category", category), .. fields]);

    private static DiagnosisRecord Client(string kind, params (string, string)[] fields) => new()
    {
        Time = T0,
        Origin = "client",
        Source = "client",
        Kind = kind,
        Fields = fields.ToDictionary(f => f.Item1, f => f.Item2),
    };
}
