using System.Text.Json;
using Outpost.Agent.Tasks;
using Outpost.Agent.Tasks.Tools;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

/// <summary>
/// Issue 23 in the coding loop: every run stores its run observability summary on the message that closes it, with the
/// classification, retry safety and incident the spec derives for what happened — the fake provider at the model
/// boundary scripts each path (spec §8: attempts, stream events, tool hooks, the terminal error, setup failures,
/// interrupts, cleanup; §9: lifecycle closes with provenance). No summary holds the prompt or the model's output.
/// </summary>
public sealed class RunObservationTests : IAsyncLifetime
{
    private const string Key = "sk-run-observation-key-0123";
    private const string PromptCanary = "PROMPT-CANARY-c41d";
    private const string OutputCanary = "OUTPUT-CANARY-9e2b";
    private readonly TempWorkspace _workspace = new();
    private readonly RecordingLogger _logger = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly LoggedTelemetry _telemetry = new();
    private FakeChatProvider _provider = null!;
    private Task? _loop;

    public async Task InitializeAsync() => _provider = await FakeChatProvider.StartAsync(apiKey: Key);

    public async Task DisposeAsync()
    {
        await _shutdown.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WithTimeout();
        }

        await _provider.DisposeAsync();
        _workspace.Dispose();
        _shutdown.Dispose();
    }

    [Fact]
    public async Task A_run_that_completes_is_a_success_on_its_last_assistant_message_with_one_attempt_per_provider_request()
    {
        _provider.Enqueue(FakeTurn.ToolCall("list_directory", "{}"), FakeTurn.Text(OutputCanary, " done."));
        var channel = Start(PromptCanary + " look around");

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var (sequence, kind, summary) = Assert.Single(channel.Runs);
        Assert.Equal((channel.Messages[^1].Sequence, TaskMessageKind.Assistant, OutputCanary + " done."), (sequence, kind, channel.Messages[^1].Content));
        Assert.Equal((RunClassification.Success, "success.completed"), (summary.Classification, summary.SummaryKey));
        Assert.Equal((RetryRecommendation.Unknown, RetrySafetyReason.CompletedWithoutFailure), (summary.RetrySafety.Recommendation, summary.RetrySafety.Reason));
        Assert.Null(summary.Incident);
        Assert.Equal(2, summary.Attempts.Count);
        Assert.True(summary.ToolExecutionStarted && summary.ReadOnlyToolStarted && !summary.UnsafeSideEffectStarted);
        Assert.Equal("message:1", summary.ParentMessageId);
        Assert.Equal(channel.Task.Id.ToString("N"), summary.SessionId);
        Assert.Contains(_logger.Entries, e => e.Message.StartsWith("task.run.completed:", StringComparison.Ordinal) && e.Message.Contains("success", StringComparison.Ordinal));
        AssertNoContent(summary);

        // The local telemetry stream has the run too: its facts and numbers, none of its content.
        var completed = Assert.Single(_telemetry.Events, e => e.EventName == "task.run.completed");
        Assert.Equal(("success", "success.completed", "unknown", "none", summary.RunId, channel.Task.Id.ToString()),
            (completed.Properties["classification"], completed.Properties["summaryKey"], completed.Properties["retrySafety"], completed.Properties["cause"], completed.Properties["runId"], completed.Properties["taskId"]));
        Assert.Equal((2.0, summary.DurationsMs.Total), (completed.Measurements["attempts"], completed.Measurements["durationMs"]));
        var all = string.Join('\n', completed.Properties.Select(p => p.Value));
        Assert.DoesNotContain(PromptCanary, all, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputCanary, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_before_any_output_is_a_transport_disconnect_that_is_safe_to_retry()
    {
        _provider.Enqueue(FakeTurn.Empty().ThenReset());
        var channel = Start(PromptCanary);

        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        var (_, kind, summary) = Assert.Single(channel.Runs);
        Assert.Equal(TaskMessageKind.Status, kind);
        Assert.Equal((RunClassification.ExternalStreamDisconnect, "external_stream_disconnect.transport_failure"), (summary.Classification, summary.SummaryKey));
        Assert.Equal(RetryRecommendation.CandidateSafeAutoRetry, summary.RetrySafety.Recommendation);
        var incident = summary.Incident!;
        Assert.Equal((RunCauseCategory.ProviderTransportDisconnect, "before_first_provider_progress"), (incident.TerminalCause.Category, incident.TerminalCause.Subcategory));
        Assert.Equal((RecoveryRecommendation.AutoRetryOnce, RecoveryReason.NoVisibleOutputOrToolExecution), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        AssertNoContent(summary);
        var completed = Assert.Single(_telemetry.Events, e => e.EventName == "task.run.completed").Properties;
        Assert.Equal(("external_stream_disconnect", "provider_transport_disconnect", "auto_retry_once"), (completed["classification"], completed["cause"], completed["recovery"]));
    }

    [Fact]
    public async Task A_reset_after_visible_output_is_not_retried_but_offered_to_continue()
    {
        var halfSeen = new TaskCompletionSource();
        _provider.Enqueue(FakeTurn.Text(OutputCanary).ThenWaitFor(halfSeen.Task).ThenReset());
        var channel = Start(PromptCanary);

        // The reset comes once the text has streamed out (a reset may otherwise overtake the bytes before it).
        await channel.WaitForMessageAsync(m => m.Kind == TaskMessageKind.Assistant);
        halfSeen.SetResult();
        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal(RunClassification.ExternalStreamDisconnect, summary.Classification);
        Assert.Equal((RetryRecommendation.DoNotAutoRetry, RetrySafetyReason.VisibleOutputSeen), (summary.RetrySafety.Recommendation, summary.RetrySafety.Reason));
        var incident = summary.Incident!;
        Assert.Equal(("during_text_generation", RunPhase.Streaming), (incident.TerminalCause.Subcategory, incident.Phase.RunPhase));
        Assert.Equal((RecoveryRecommendation.OfferContinue, RecoveryReason.VisibleOutputWithoutToolExecution), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        AssertNoContent(summary);
    }

    [Fact]
    public async Task A_stream_that_ends_during_tool_input_is_a_tool_input_disconnect_and_the_half_call_is_cleaned_up()
    {
        // The stream ends cleanly but early (a response that ended early: the counterpart of UND_ERR_SOCKET), mid tool call.
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"echo OUTPUT-CANARY-9e2b"}""", pieces: 3).ThenEnd());
        var channel = Start(PromptCanary);

        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal((RunClassification.ExternalStreamDisconnect, "external_stream_disconnect.provider_progress_tool_input_disconnect"), (summary.Classification, summary.SummaryKey));
        var incident = summary.Incident!;
        Assert.Equal(("during_tool_input_generation", RunPhase.ToolGeneration), (incident.TerminalCause.Subcategory, incident.Phase.RunPhase));
        Assert.Equal((RecoveryRecommendation.OfferContinue, RecoveryReason.PartialToolInputWithoutExecution), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        Assert.Equal(1, summary.PendingToolPartsInterrupted);
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.PendingToolPartInterrupted && e.InterruptionPhase == InterruptionPhase.ToolInputGeneration);
        AssertNoContent(summary);
    }

    [Fact]
    public async Task A_connection_reset_while_the_model_streams_tool_input_is_a_tool_input_disconnect_and_the_tool_never_runs()
    {
        // The provider resets the connection (no finish reason, no end of the chunked body) once the client has read the
        // tool call's arguments so far — the reset cannot overtake them.
        var inputRead = new TaskCompletionSource();
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch reset-never"}""", pieces: 3).ThenWaitFor(inputRead.Task).ThenReset());
        var channel = Start(PromptCanary, handler: new ReadWatchingHandler(new HttpClientHandler(), "t-never", inputRead));

        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        Assert.False(File.Exists(_workspace.File("reset-never")));
        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal((RunClassification.ExternalStreamDisconnect, "external_stream_disconnect.provider_progress_tool_input_disconnect"), (summary.Classification, summary.SummaryKey));
        Assert.True(summary.ToolInputStarted && !summary.ToolInputCompleted && !summary.ToolCallMaterialized && !summary.ToolExecutionStarted);
        var incident = summary.Incident!;
        Assert.Equal((RunCauseCategory.ProviderTransportDisconnect, "during_tool_input_generation", RunPhase.ToolGeneration),
            (incident.TerminalCause.Category, incident.TerminalCause.Subcategory, incident.Phase.RunPhase));
        Assert.Equal((RecoveryRecommendation.OfferContinue, RecoveryReason.PartialToolInputWithoutExecution), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        Assert.Equal(1, summary.PendingToolPartsInterrupted);
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.PendingToolPartInterrupted && e.InterruptionPhase == InterruptionPhase.ToolInputGeneration);
        AssertNoContent(summary);
    }

    [Fact]
    public async Task A_tool_call_that_materialized_but_never_ran_asks_before_a_retry()
    {
        // The finish reason makes the call whole; the stream then ends without [DONE], so the command never runs.
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch never"}""").WithoutDone());
        var channel = Start(PromptCanary);

        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.False(File.Exists(_workspace.File("never")));
        Assert.True(summary.ToolCallMaterialized && !summary.ToolExecutionStarted);
        var incident = summary.Incident!;
        Assert.Equal((RunCauseCategory.ProviderTransportDisconnect, "after_tool_call_before_execution"), (incident.TerminalCause.Category, incident.TerminalCause.Subcategory));
        Assert.Equal((RecoveryRecommendation.AskUserBeforeRetry, RecoveryReason.ToolCallMaterializedWithoutExecution), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        Assert.Equal((ToolEffectKind.LocalProcess, true), (incident.Facts.MaterializedToolEffectKind, incident.Facts.MaterializedToolRequiresConfirmation));
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.PendingToolPartInterrupted && e.InterruptionPhase == InterruptionPhase.ToolCallMaterializedWithoutExecution);
        AssertNoContent(summary);
    }

    [Fact]
    public async Task A_tool_that_throws_is_a_tool_failure_whose_unsafe_effect_asks_before_a_retry()
    {
        _provider.Enqueue(FakeTurn.ToolCall("explode", "{}"), FakeTurn.Text("It broke."));
        var channel = Start(PromptCanary, new TaskToolset([new ThrowingTool()]));

        await channel.WaitForStatusAsync(AiTaskStatus.Idle);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal((RunClassification.ToolFailure, "tool_failure.tool_execution_failed"), (summary.Classification, summary.SummaryKey));
        Assert.Equal([ToolEffectKind.LocalProcess], summary.UnsafeSideEffectKinds);
        Assert.Equal("InvalidOperationException", summary.Error!.Name);
        var incident = summary.Incident!;
        Assert.Equal((RunCauseCategory.ToolExecutionFailure, RunPhase.ToolExecution), (incident.TerminalCause.Category, incident.Phase.RunPhase));
        Assert.Equal((RecoveryRecommendation.AskUserBeforeRetry, RecoveryReason.UnsafeSideEffectStarted), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        AssertNoContent(summary);
    }

    [Fact]
    public async Task A_tool_interrupted_by_stop_is_closed_by_the_stop_action_with_the_interrupted_tool_in_evidence()
    {
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch begun; sleep 300"}"""));
        var channel = Start(PromptCanary);
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        channel.Stop();
        await channel.WaitForStatusAsync(AiTaskStatus.Stopped);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal((RunClassification.KnownLifecycleClose, "known_lifecycle_close.lifecycle_close"), (summary.Classification, summary.SummaryKey));
        Assert.Equal(LifecycleKind.TaskStop, summary.Lifecycle!.Kind);
        Assert.StartsWith("lifecycle:task_stop:", summary.Lifecycle.ActionId, StringComparison.Ordinal);
        Assert.Null(summary.MissingProvenance);
        Assert.Equal((RetryRecommendation.DoNotAutoRetry, RetrySafetyReason.UnsafeSideEffectStarted), (summary.RetrySafety.Recommendation, summary.RetrySafety.Reason));
        var incident = summary.Incident!;
        Assert.Equal((RunCauseCategory.LocalLifecycleClose, "task_stop", RunPhase.ToolExecution), (incident.TerminalCause.Category, incident.TerminalCause.Subcategory, incident.Phase.RunPhase));
        Assert.Equal((RecoveryRecommendation.DoNotRetry, RecoveryReason.LocalLifecycleClose), (incident.Recovery.Recommendation, incident.Recovery.Reason));
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.ToolExecutionInterrupted);
        AssertNoContent(summary);
    }

    [Fact]
    public async Task Stopped_in_the_second_of_three_calls_the_first_completed_the_second_is_interrupted_and_the_third_never_ran()
    {
        _provider.Enqueue(FakeTurn.ToolCall("list_directory", "{}")
            .ThenToolCall("run_command", """{"command":"touch begun; sleep 300"}""")
            .ThenToolCall("write_file", """{"path":"never.txt","content":"x"}"""));
        var channel = Start(PromptCanary);
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        channel.Stop();
        await channel.WaitForStatusAsync(AiTaskStatus.Stopped);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.False(File.Exists(_workspace.File("never.txt")));
        Assert.Equal(1, summary.PendingToolPartsInterrupted);
        Assert.Equal([ToolEffectKind.LocalProcess], summary.UnsafeSideEffectKinds);
        Assert.True(summary.Incident!.Facts.ToolExecutionCompleted && summary.ReadOnlyToolStarted);

        // Cleanup evidence is anchored, so the evidence cap (24) keeps it however many progress events came before.
        var evidence = summary.Incident.Evidence;
        Assert.Single(evidence, e => e.EventType == EvidenceEventType.ToolExecutionInterrupted);
        Assert.Single(evidence, e => e.EventType == EvidenceEventType.PendingToolPartInterrupted && e.InterruptionPhase == InterruptionPhase.ToolCallMaterializedWithoutExecution);
    }

    [Fact]
    public async Task A_429_at_the_first_request_is_a_setup_failure()
    {
        _provider.Enqueue(FakeTurn.Refuse(429, "Rate limit reached for " + OutputCanary));
        var channel = Start(PromptCanary);

        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal((RunClassification.RequestSetupFailure, "request_setup_failure.request_setup_failed"), (summary.Classification, summary.SummaryKey));
        Assert.Equal("http_status_429", summary.Error!.Code);
        Assert.Equal(RunCauseCategory.RequestSetupFailure, summary.Incident!.TerminalCause.Category);
        AssertNoContent(summary);
    }

    [Fact]
    public async Task A_missing_secret_is_a_setup_failure_on_the_status_line()
    {
        var channel = new InMemoryTaskChannel(PromptCanary);
        var environment = Environment(channel);
        environment.Remove(TaskApi.DefaultApiKeyVariable);
        _loop = Runner(channel, environment).RunAsync(_shutdown.Token);

        await channel.WaitForStatusAsync(AiTaskStatus.Failed);

        var (_, kind, summary) = Assert.Single(channel.Runs);
        Assert.Equal((TaskMessageKind.Status, RunClassification.RequestSetupFailure), (kind, summary.Classification));
        Assert.Empty(summary.Attempts);
    }

    [Theory]
    [InlineData(LifecycleKind.WorkspaceStop, RunClassification.LocalInstanceDispose, "local_instance_dispose.lifecycle_close")]
    [InlineData(LifecycleKind.AgentReinitialize, RunClassification.LocalInstanceReload, "local_instance_reload.lifecycle_close")]
    public async Task A_workspace_stop_or_reinitialisation_mid_run_closes_it_under_that_action_never_an_unknown_close(
        LifecycleKind kind, RunClassification classification, string summaryKey)
    {
        var closes = new TaskLifecycleCloses(TimeProvider.System);
        _provider.Enqueue(FakeTurn.Text(OutputCanary).ThenStall());
        var channel = new InMemoryTaskChannel(PromptCanary);
        _loop = Runner(channel, Environment(channel), closes: closes).RunAsync(_shutdown.Token);
        await channel.WaitForMessageAsync(m => m.Kind == TaskMessageKind.Assistant);

        closes.Begin(kind);
        await _shutdown.CancelAsync();
        await _loop.WithTimeout();

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal((classification, summaryKey), (summary.Classification, summary.SummaryKey));
        Assert.Equal(closes.Current!.ActionId, summary.Lifecycle!.ActionId);
        Assert.StartsWith($"lifecycle:{Outpost.Sdk.WireName.Of(kind)}:", summary.Lifecycle.ActionId, StringComparison.Ordinal);
        var incident = summary.Incident!;
        Assert.Equal((Outpost.Sdk.WireName.Of(kind), RunPhase.Streaming), (incident.TerminalCause.Subcategory, incident.Phase.RunPhase));
        Assert.Equal(RecoveryRecommendation.DoNotRetry, incident.Recovery.Recommendation);

        // The abort of the stream came after the close: it is evidence, never the cause.
        Assert.Contains(incident.Evidence, e => e.EventType == EvidenceEventType.ProviderTransportFailure);
        AssertNoContent(summary);
    }

    [Fact]
    public async Task The_agent_shutting_down_without_a_named_action_still_closes_the_run_as_an_agent_shutdown()
    {
        _provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"touch begun; sleep 300"}"""));
        var channel = Start(PromptCanary);
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        await _shutdown.CancelAsync();
        await _loop!.WithTimeout();

        var summary = Assert.Single(channel.Runs).Summary;
        Assert.Equal(RunClassification.LocalInstanceDispose, summary.Classification);
        Assert.Equal(LifecycleKind.AgentShutdown, summary.Lifecycle!.Kind);
    }

    private static void AssertNoContent(RunObservability summary)
    {
        var json = JsonSerializer.Serialize(summary, RunObservabilityJsonContext.Default.RunObservability);
        Assert.DoesNotContain(PromptCanary, json, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputCanary, json, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, json, StringComparison.Ordinal);
    }

    private InMemoryTaskChannel Start(string prompt, TaskToolset? tools = null, HttpMessageHandler? handler = null)
    {
        var channel = new InMemoryTaskChannel(prompt);
        _loop = Runner(channel, Environment(channel), tools, handler: handler).RunAsync(_shutdown.Token);
        return channel;
    }

    private Dictionary<string, string> Environment(InMemoryTaskChannel channel) => new()
    {
        [TaskApi.AgentTaskIdVariable] = channel.Task.Id.ToString(),
        [TaskApi.ModelUrlVariable] = _provider.BaseUrl.ToString(),
        [TaskApi.ModelVariable] = "test-model",
        [TaskApi.DefaultApiKeyVariable] = Key,
    };

    private TaskRunner Runner(InMemoryTaskChannel channel, Dictionary<string, string> environment, TaskToolset? tools = null, TaskLifecycleCloses? closes = null, HttpMessageHandler? handler = null)
    {
        var settings = TaskAgentSettings.From(environment)!;
        var context = new ToolContext
        {
            Workspace = _workspace.Directory,
            CommandEnvironment = TaskAgent.CommandEnvironment(environment.Select(e => KeyValuePair.Create(e.Key, (string?)e.Value)), settings),
        };
        return new TaskRunner(settings, channel, context, new TaskLimits(), TimeProvider.System, _logger, tools) { LifecycleCloses = closes, ProviderHandler = handler, Telemetry = _telemetry };
    }

    /// <summary>A tool that declares it runs commands and throws when it does.</summary>
    private sealed class ThrowingTool : ITaskTool
    {
        public string Name => "explode";

        public string Description => "Throws.";

        public ToolEffect Effect => ToolEffect.Shell;

        public JsonElement Parameters { get; } = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

        public Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the disk is on fire");

        public string Summarize(ToolArguments arguments) => "boom";
    }

    /// <summary>Completes <paramref name="read"/> once the client has read a response body past <paramref name="marker"/> and asks for more.</summary>
    private sealed class ReadWatchingHandler(HttpMessageHandler inner, string marker, TaskCompletionSource read) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var original = response.Content;
            var content = new StreamContent(new WatchedStream(await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), marker, read));
            foreach (var header in original.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
            return response;
        }
    }

    private sealed class WatchedStream(Stream inner, string marker, TaskCompletionSource read) : ReadOnlyStreamWrapper(inner)
    {
        private readonly System.Text.StringBuilder _seen = new();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_seen.ToString().Contains(marker, StringComparison.Ordinal))
            {
                read.TrySetResult();
            }

            var count = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _seen.Append(System.Text.Encoding.UTF8.GetString(buffer.Span[..count]));
            return count;
        }
    }

    /// <summary>The events logged to the local telemetry stream, with their properties and measurements (the loop only logs).</summary>
    private sealed class LoggedTelemetry : Telemetry.ITelemetryReporter
    {
        private readonly List<(string EventName, Dictionary<string, string> Properties, Dictionary<string, double> Measurements)> _events = [];

        public IReadOnlyList<(string EventName, Dictionary<string, string> Properties, Dictionary<string, double> Measurements)> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public void Log(string eventName, Telemetry.TelemetryProperties? properties = null, Telemetry.TelemetryMeasurements? measurements = null)
        {
            lock (_events)
            {
                _events.Add((eventName, properties?.ToDictionary() ?? [], measurements?.ToDictionary() ?? []));
            }
        }

        public void LogError(string eventName, object? error, Telemetry.TelemetryProperties? properties = null, Telemetry.TelemetryMeasurements? measurements = null) =>
            Log(eventName, properties, measurements);

        public T Trace<T>(string eventName, Func<Telemetry.ITelemetrySpan, T> body, Telemetry.TelemetryProperties? properties = null, Telemetry.TelemetryMeasurements? measurements = null) =>
            throw new NotSupportedException();

        public void Trace(string eventName, Action<Telemetry.ITelemetrySpan> body, Telemetry.TelemetryProperties? properties = null, Telemetry.TelemetryMeasurements? measurements = null) =>
            throw new NotSupportedException();

        public Task<T> TraceAsync<T>(string eventName, Func<Telemetry.ITelemetrySpan, CancellationToken, Task<T>> body, Telemetry.TelemetryProperties? properties = null,
            Telemetry.TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task TraceAsync(string eventName, Func<Telemetry.ITelemetrySpan, CancellationToken, Task> body, Telemetry.TelemetryProperties? properties = null,
            Telemetry.TelemetryMeasurements? measurements = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void SetDeploymentUrl(string? deploymentUrl)
        {
        }
    }
}
