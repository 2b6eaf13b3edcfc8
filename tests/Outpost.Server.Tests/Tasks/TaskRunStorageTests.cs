using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Tasks;
using Outpost.Server.Diagnostics;
using Outpost.Server.Tests.Validation;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Tasks;

/// <summary>
/// Issue 23 on the server: the message that closes a run stores its run observability summary, bad summaries are
/// refused naming the field, <c>GET /tasks/{id}</c> says how the last run ended, runs are counted by classification,
/// and the export (full and sanitized) streams every message and run.
/// </summary>
public sealed class TaskRunStorageTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private const string PromptCanary = "PROMPT-CANARY-5b1e";
    private const string OutputCanary = "OUTPUT-CANARY-77a0";

    [Fact]
    public async Task The_closing_message_stores_the_runs_summary_and_the_task_says_how_its_last_run_ended()
    {
        var (tasks, task, token) = await TaskWithAgentAsync("run-store");
        using var runs = new ClassificationCounter();

        await tasks.AppendAsync(token, TaskTestApi.Assistant("All done."), Closing(TaskMessageKind.Assistant, "Done.", RunSummaries.Of(RunClassification.Success)));
        var first = await tasks.GetAsync(task.Id);
        await tasks.AppendAsync(token, Closing(TaskMessageKind.Status, "Run failed: the provider's stream broke", RunSummaries.Of(RunClassification.ExternalStreamDisconnect,
            RunSummaries.Incident(RunCauseCategory.ProviderTransportDisconnect, "during_text_generation", RunPhase.Streaming, RecoveryRecommendation.OfferContinue, RecoveryReason.VisibleOutputWithoutToolExecution))));
        var second = await tasks.GetAsync(task.Id);

        Assert.Equal(("success", "The last run completed normally (success, 1 provider request)."), (first.LastRun!.Classification, first.LastRun.Sentence));
        var last = second.LastRun!;
        Assert.Equal(("external_stream_disconnect", "provider_transport_disconnect", "during_text_generation", "streaming", "offer_continue"),
            (last.Classification, last.Cause, last.CauseSubcategory, last.Phase, last.Recovery));
        Assert.Equal(4, last.Sequence);
        Assert.Equal(
            "The last run ended because the model provider's stream disconnected while the model was writing its answer (external_stream_disconnect, phase streaming); " +
            "do not simply retry it, as text was already shown: continue it with a follow-up.", last.Sentence);
        Assert.True(runs.Of("success") >= 1 && runs.Of("external_stream_disconnect") >= 1);

        // Message lists stay as they were: the summary is the export's, not the conversation's.
        var messages = await tasks.Api.ReadAsync<TaskMessageList>(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/messages");
        Assert.Equal(4, messages.Messages.Count);
    }

    [Fact]
    public async Task The_recorder_faults_a_summary_reports_are_counted_in_the_internal_errors_metric()
    {
        var (tasks, _, token) = await TaskWithAgentAsync("run-faults");
        using var runs = new ClassificationCounter();

        await tasks.AppendAsync(token, Closing(TaskMessageKind.Assistant, "Done.", RunSummaries.Of(RunClassification.Success) with { InternalErrors = 2 }));
        await tasks.AppendAsync(token, Closing(TaskMessageKind.Assistant, "Done again.", RunSummaries.Of(RunClassification.Success)));

        // Other tests of the class store summaries without faults meanwhile: only this one adds to the count.
        Assert.Equal(2, runs.InternalErrors);
    }

    [Fact]
    public async Task The_workspace_timeline_has_each_run_with_its_incident_and_none_of_the_conversation()
    {
        var (tasks, task, token) = await TaskWithAgentAsync("run-timeline", PromptCanary);
        await tasks.AppendAsync(token, Closing(TaskMessageKind.Assistant, OutputCanary, RunSummaries.Of(RunClassification.Success, messageId: "msg_a")));
        await tasks.AppendAsync(token, Closing(TaskMessageKind.Status, "Run failed: " + OutputCanary, RunSummaries.Of(RunClassification.ExternalStreamDisconnect,
            RunSummaries.Incident(RunCauseCategory.ProviderTransportDisconnect, "during_text_generation", RunPhase.Streaming, RecoveryRecommendation.OfferContinue,
                RecoveryReason.VisibleOutputWithoutToolExecution, "msg_b") with
            {
                TerminalCause = new RunTerminalCause
                {
                    Category = RunCauseCategory.ProviderTransportDisconnect, Subcategory = "during_text_generation", Boundary = TransportBoundary.Network,
                    Error = new ErrorFingerprint { Name = "HttpIOException", Code = "response_ended", CauseCode = "connection_reset" }, Confidence = RunConfidence.High,
                },
            }, "msg_b")));

        using var response = await tasks.Api.SendAsync(HttpMethod.Get, TimelineApi.PathFor(task.WorkspaceId));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var runs = JsonSerializer.Deserialize(text, TimelineJsonContext.Default.WorkspaceTimeline)!.Entries.Where(e => e.Source == TimelineSource.Task).ToList();

        // Both summaries say 10:00:00 to 10:00:02.5; the failing one's first terminal evidence is 10 ms in.
        Assert.Equal(["task.run.started", "task.run.started", "task.run.incident", "task.run.ended", "task.run.ended"], runs.Select(e => e.Kind));
        var incident = runs[2];
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 10, 0, 0, 10, TimeSpan.Zero), incident.Time);
        Assert.Equal(("run:msg_b", "external_stream_disconnect", "provider_transport_disconnect", "during_text_generation", "network", "response_ended", "connection_reset"),
            (incident.Fields["run_id"], incident.Fields["classification"], incident.Fields["category"], incident.Fields["subcategory"], incident.Fields["boundary"],
                incident.Fields["error_code"], incident.Fields["cause_code"]));
        Assert.Equal(("streaming", "offer_continue", "visible_output_without_tool_execution", "true"),
            (incident.Fields["run_phase"], incident.Fields["recovery"], incident.Fields["recovery_reason"], incident.Fields["visible_output_seen"]));
        var ended = runs.Single(e => e.Kind == "task.run.ended" && e.Fields["run_id"] == "run:msg_a");
        Assert.Equal((new DateTimeOffset(2026, 12, 3, 10, 0, 2, 500, TimeSpan.Zero), "success", "1", "2500"),
            (ended.Time, ended.Fields["classification"], ended.Fields["attempts"], ended.Fields["duration_ms"]));
        Assert.Equal(("openai_compatible", "fake-model"), (runs[0].Fields["provider"], runs[0].Fields["model"]));
        Assert.DoesNotContain(PromptCanary, text, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputCanary, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("schema_version", 2, "messages[0].run_observability.schema_version")]
    [InlineData("run_id", "", "messages[0].run_observability.run_id")]
    [InlineData("classification", "fine", "$.messages[0].run_observability.classification")]
    [InlineData("incident", "boom", "$.messages[0].run_observability.incident")]
    [InlineData("retry_safety", null, "$.messages[0].run_observability.retry_safety")]
    [InlineData("run_id", "run\u0000one", "$.messages[0].run_observability.run_id")]
    [InlineData("internal_errors", -1, "messages[0].run_observability.internal_errors")]
    public async Task A_bad_summary_is_refused_naming_the_field_and_nothing_is_stored(string member, object? value, string field)
    {
        var (tasks, task, token) = await TaskWithAgentAsync("run-bad");
        var summary = JsonSerializer.SerializeToNode(RunSummaries.Of(RunClassification.Success), RunObservabilityJsonContext.Default.RunObservability)!.AsObject();
        if (value is null)
        {
            summary.Remove(member);
        }
        else
        {
            summary[member] = JsonValue.Create(value);
        }

        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["kind"] = "assistant", ["content"] = "x", ["run_observability"] = summary }) };
        using var response = await tasks.AgentRawAsync(token, "/messages", body.ToJsonString());
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, problem.Field);
        Assert.Null((await tasks.GetAsync(task.Id)).LastRun);
    }

    [Fact]
    public async Task A_summary_on_a_tool_message_or_past_the_size_limit_is_refused()
    {
        var (tasks, _, token) = await TaskWithAgentAsync("run-misplaced");
        var huge = RunSummaries.Of(RunClassification.Success) with { UnsafeSideEffectKinds = [.. Enumerable.Repeat(ToolEffectKind.LocalProcess, 6000)] };

        using var onTool = await tasks.AgentAsync(token, HttpMethod.Post, "/messages", new AppendTaskMessagesRequest
        {
            Messages = [new NewTaskMessage { Kind = TaskMessageKind.ToolCall, ToolName = "read_file", Content = "a", RunObservability = RunSummaries.Of(RunClassification.Success) }],
        });
        using var tooBig = await tasks.AgentAsync(token, HttpMethod.Post, "/messages", new AppendTaskMessagesRequest
        {
            Messages = [Closing(TaskMessageKind.Assistant, "x", huge)],
        });

        Assert.Equal((HttpStatusCode.BadRequest, "messages[0].run_observability"), (onTool.StatusCode, (await ProblemBody.ReadAsync(onTool)).Field));
        var problem = await ProblemBody.ReadAsync(tooBig);
        Assert.Equal((HttpStatusCode.BadRequest, "messages[0].run_observability"), (tooBig.StatusCode, problem.Field));
        Assert.Contains("the limit is 65536", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(ProblemCodes.ValidationFailed, problem.Code);
    }

    [Fact]
    public async Task The_export_has_every_message_with_its_diagnostics_and_the_runs_and_incidents_and_the_sanitized_one_no_content()
    {
        var (tasks, task, token) = await TaskWithAgentAsync("run-export", PromptCanary + " fix the bug");
        var failed = RunSummaries.Of(RunClassification.ToolFailure, RunSummaries.Incident(RunCauseCategory.ToolExecutionFailure, null, RunPhase.ToolExecution,
            RecoveryRecommendation.AskUserBeforeRetry, RecoveryReason.UnsafeSideEffectStarted, "msg_b"), "msg_b");
        await tasks.AppendAsync(token,
            TaskTestApi.Assistant(OutputCanary + " I will look"),
            new NewTaskMessage { Kind = TaskMessageKind.ToolCall, ToolName = "run_command", Content = OutputCanary + " make" },
            new NewTaskMessage { Kind = TaskMessageKind.ToolResult, ToolName = "run_command", Content = OutputCanary + " exit code 2" },
            Closing(TaskMessageKind.Status, "Run failed: " + OutputCanary, failed));
        await tasks.AppendAsync(token, Closing(TaskMessageKind.Assistant, OutputCanary + " fixed", RunSummaries.Of(RunClassification.Success, messageId: "msg_a")));

        var full = await ExportAsync(tasks, task.Id, sanitize: false);
        var sanitized = await ExportAsync(tasks, task.Id, sanitize: true);

        var root = JsonNode.Parse(full)!;
        Assert.Equal((1, false), (root["export_schema_version"]!.GetValue<int>(), root["sanitized"]!.GetValue<bool>()));
        Assert.Equal(PromptCanary + " fix the bug", root["task"]!["prompt"]!.GetValue<string>());
        var messages = root["messages"]!.AsArray();
        Assert.Equal([1, 2, 3, 4, 5, 6], messages.Select(m => m!["sequence"]!.GetValue<int>()));
        Assert.Equal("tool_failure", messages[4]!["diagnostics"]!["run_observability"]!["classification"]!.GetValue<string>());
        Assert.Null(messages[3]!["diagnostics"]);
        var diagnostics = root["diagnostics"]!;
        Assert.Equal(1, diagnostics["run_observability_schema_version"]!.GetValue<int>());

        // Sorted by session and message id (spec §10.2), not by sequence; only runs with an incident are in run_incidents.
        Assert.Equal(["msg_a", "msg_b"], diagnostics["run_observability"]!.AsArray().Select(s => s!["message_id"]!.GetValue<string>()));
        var incident = Assert.Single(diagnostics["run_incidents"]!.AsArray())!;
        Assert.Equal("tool_execution_failure", incident["terminal_cause"]!["category"]!.GetValue<string>());
        Assert.Equal(1, diagnostics["run_incident_schema_version"]!.GetValue<int>());

        Assert.DoesNotContain(PromptCanary, sanitized, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputCanary, sanitized, StringComparison.Ordinal);
        Assert.DoesNotContain(task.WorkspaceName, sanitized, StringComparison.Ordinal);
        Assert.DoesNotContain("run_command", sanitized, StringComparison.Ordinal);
        var clean = JsonNode.Parse(sanitized)!;
        Assert.True(clean["sanitized"]!.GetValue<bool>());
        Assert.Equal(6, clean["messages"]!.AsArray().Count);
        Assert.All(clean["messages"]!.AsArray(), m => Assert.Null(m!["content"]));
        Assert.Equal(JsonNode.Parse(full)!["diagnostics"]!.ToJsonString(), clean["diagnostics"]!.ToJsonString());
    }

    [Fact]
    public async Task A_task_without_runs_exports_no_run_lists_and_a_task_the_user_cannot_see_is_not_found()
    {
        var (tasks, task, _) = await TaskWithAgentAsync("run-hidden");
        var (_, member) = await tasks.CreateMemberAsync($"runexport{Guid.NewGuid():N}"[..20]);

        var export = JsonNode.Parse(await ExportAsync(tasks, task.Id, sanitize: false))!;
        using var hidden = await member.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/export");
        using var missing = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{Guid.NewGuid()}/export?sanitize=true");

        Assert.Empty(export["diagnostics"]!.AsObject());
        Assert.Equal((HttpStatusCode.NotFound, ProblemCodes.TaskNotFound), (hidden.StatusCode, (await WorkspaceApi.ProblemAsync(hidden)).Code));
        Assert.Equal((HttpStatusCode.NotFound, ProblemCodes.TaskNotFound), (missing.StatusCode, (await WorkspaceApi.ProblemAsync(missing)).Code));
    }

    [Fact]
    public async Task An_export_with_a_sanitize_that_is_not_a_boolean_is_refused_naming_it()
    {
        var (tasks, task, _) = await TaskWithAgentAsync("run-sanitize");

        using var response = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/export?sanitize=maybe");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sanitize", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_workspace_agent_cannot_export_its_own_task()
    {
        var (tasks, task, token) = await TaskWithAgentAsync("run-agent-export");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/export");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await fixture.Client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_task_with_thousands_of_runs_exports_every_one()
    {
        const int Runs = 2000;
        var (tasks, task, token) = await TaskWithAgentAsync("run-many");
        for (var batch = 0; batch < Runs / 100; batch++)
        {
            await tasks.AppendAsync(token, [.. Enumerable.Range(0, 100).Select(i => $"msg_{(batch * 100) + i:D5}").Select(id => Closing(TaskMessageKind.Assistant, "ok",
                RunSummaries.Of(RunClassification.ExternalStreamDisconnect, RunSummaries.Incident(RunCauseCategory.ProviderTransportDisconnect, "before_first_provider_progress",
                    RunPhase.Unknown, RecoveryRecommendation.AutoRetryOnce, RecoveryReason.NoVisibleOutputOrToolExecution, id), id)))]);
        }

        using var response = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{task.Id}/export?sanitize=true");
        await using var body = await response.Content.ReadAsStreamAsync();
        using var export = await JsonDocument.ParseAsync(body).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Streamed as written (chunked), never buffered whole to learn its length.
        Assert.True(response.Headers.TransferEncodingChunked);
        var diagnostics = export.RootElement.GetProperty("diagnostics");
        Assert.Equal(Runs, diagnostics.GetProperty("run_observability").GetArrayLength());
        Assert.Equal(Runs, diagnostics.GetProperty("run_incidents").GetArrayLength());
        Assert.Equal(Runs + 1, export.RootElement.GetProperty("messages").GetArrayLength());
        Assert.Equal("msg_01999", diagnostics.GetProperty("run_observability")[Runs - 1].GetProperty("message_id").GetString());
    }

    private async Task<(TaskTestApi Tasks, AiTask Task, string Token)> TaskWithAgentAsync(string template, string prompt = "Fix the build")
    {
        template += $"-{Guid.NewGuid():N}"[..8];
        var tasks = await TaskTestApi.ReadyAsync(fixture, template);
        var task = await tasks.CreateAsync(template, prompt);
        var token = await tasks.CompleteBuildAsync(task.WorkspaceId);
        return (tasks, task, token);
    }

    private static async Task<string> ExportAsync(TaskTestApi tasks, Guid taskId, bool sanitize)
    {
        using var response = await tasks.Api.SendAsync(HttpMethod.Get, $"{TaskApi.Prefix}/{taskId}/export{(sanitize ? "?sanitize=true" : string.Empty)}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return text;
    }

    private static NewTaskMessage Closing(TaskMessageKind kind, string content, RunObservability summary) =>
        new() { Kind = kind, Content = content, RunObservability = summary };

    /// <summary>Sums <c>outpost_task_runs</c> by classification, and <c>outpost_task_run_internal_errors</c>, while alive.</summary>
    private sealed class ClassificationCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];
        private long _internalErrors;

        public ClassificationCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == ServerDiagnostics.Meter && instrument.Name is "outpost_task_runs" or "outpost_task_run_internal_errors")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "outpost_task_run_internal_errors")
                {
                    Interlocked.Add(ref _internalErrors, value);
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "classification" && tag.Value is string classification)
                    {
                        lock (_counts)
                        {
                            _counts[classification] = _counts.GetValueOrDefault(classification) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Of(string classification)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(classification);
            }
        }

        /// <summary>The sum of <c>outpost_task_run_internal_errors</c> while alive.</summary>
        public long InternalErrors => Interlocked.Read(ref _internalErrors);

        public void Dispose() => _listener.Dispose();
    }
}
