using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Outpost.Agent.Tasks.Tools;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Agent.Tasks;

/// <summary>
/// The coding agent of a task workspace. Each user message from the inbox (the prompt first, then follow-ups)
/// starts a run: the conversation goes to the model, its text streams out as task messages, the tools it calls
/// run in the workspace and their results go back to it, until it answers without calling a tool — then the task
/// is <c>idle</c>. A stop request cancels the run (the provider's stream and a running command) and reports
/// <c>stopped</c>; a provider failure reports <c>failed</c> with the provider's status; the agent's shutdown
/// (the workspace stopping) stops a run in progress and ends the loop.
/// </summary>
internal sealed partial class TaskRunner
{
    private readonly TaskAgentSettings _settings;
    private readonly ITaskChannel _channel;
    private readonly ToolContext _context;
    private readonly TaskToolset _tools;
    private readonly TaskLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Conversation _conversation;
    private readonly Lock _runGate = new();
    private CancellationTokenSource? _run;
    private LifecycleCloseAction? _stopAction;
    private long _runUpTo;
    private long _stoppedAfter;
    private int _runs;

    public TaskRunner(TaskAgentSettings settings, ITaskChannel channel, ToolContext context, TaskLimits limits, TimeProvider time, ILogger logger, TaskToolset? tools = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(limits);
        _settings = settings;
        _channel = channel;
        _context = context;
        _limits = limits;
        _time = time;
        _logger = logger;
        _tools = tools ?? TaskToolset.Default();
        _conversation = new Conversation(limits.MaxConversationChars);
    }

    /// <summary>For a test's provider: the handler the chat client uses.</summary>
    public HttpMessageHandler? ProviderHandler { get; init; }

    /// <summary>The lifecycle actions that close runs (the workspace agent's: a workspace stop, a shutdown, a reinitialisation).</summary>
    public TaskLifecycleCloses? LifecycleCloses { get; init; }

    /// <summary>The agent process's local telemetry stream, which gets a <c>task.run.completed</c> event per run; null for none.</summary>
    public Telemetry.ITelemetryReporter? Telemetry { get; init; }

    /// <summary>Runs until <paramref name="shutdown"/> (the agent's shutdown); returns once the last status is delivered or given up.</summary>
    public async Task RunAsync(CancellationToken shutdown)
    {
        // Delivery outlives the shutdown by a bounded time, so the last messages and the stopped status reach the server.
        using var delivery = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var deliveryDeadline = shutdown.Register(() => delivery.CancelAfter(_limits.DeliveryTimeout));
        await using var writer = new TaskMessageWriter(_channel, _limits, _time, _logger, delivery.Token);
        if (_settings.Failure is { } reason)
        {
            TaskAgentLog.CannotRun(_logger, _settings.TaskId, reason);
            var observation = new RunObservation(_settings.TaskId, _settings.Model ?? "unknown", 1, _tools, _time, _logger, Telemetry);
            observation.CannotStart(reason);
            await writer.SendAsync(new NewTaskMessage { Kind = TaskMessageKind.Status, Content = reason, RunObservability = observation.Finish() }).ConfigureAwait(false);
            await ReportAsync(AiTaskStatus.Failed, reason, delivery.Token).ConfigureAwait(false);
            return;
        }

        TaskAgentLog.Starting(_logger, _settings.TaskId, _settings.Model!, _settings.ModelUrl!, _context.Workspace.Root);
        using var client = new ChatCompletionsClient(_settings.ModelUrl!, _settings.ApiKey!, _time, ProviderHandler) { StallTimeout = _limits.StallTimeout };
        if (await ResumeAsync(delivery.Token, shutdown).ConfigureAwait(false) is not { } resumeAfter)
        {
            return;
        }

        var inbox = Channel.CreateUnbounded<TaskMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var pump = PumpAsync(resumeAfter, inbox.Writer, delivery.Token, shutdown);
        try
        {
            while (await inbox.Reader.WaitToReadAsync(shutdown).ConfigureAwait(false))
            {
                List<TaskMessage> batch = [];
                while (inbox.Reader.TryRead(out var message))
                {
                    batch.Add(message);
                }

                var run = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
                lock (_runGate)
                {
                    // Messages sent before a stop never run: the user stopped them too.
                    batch.RemoveAll(m => m.Sequence < _stoppedAfter);
                    if (batch.Count > 0)
                    {
                        _run = run;
                        _runUpTo = batch[^1].Sequence;
                    }
                }

                using (run)
                {
                    if (batch.Count == 0)
                    {
                        continue;
                    }

                    foreach (var message in batch)
                    {
                        _conversation.Add(ChatMessage.User(message.Content));
                    }

                    await RunOnceAsync(client, writer, run, delivery.Token, shutdown).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The workspace is stopping while the agent waits for a message: there is no run to stop.
        }

        await pump.ConfigureAwait(false);
    }

    private async Task PumpAsync(long after, ChannelWriter<TaskMessage> inbox, CancellationToken delivery, CancellationToken shutdown)
    {
        var last = after;
        try
        {
            await foreach (var item in _channel.ReadInboxAsync(after, shutdown).ConfigureAwait(false))
            {
                if (item.Sequence <= last)
                {
                    continue;
                }

                last = item.Sequence;
                if (item.Message is { Kind: TaskMessageKind.User } message)
                {
                    inbox.TryWrite(message);
                }
                else if (item.Stop is not null)
                {
                    TaskAgentLog.StopRequested(_logger, _settings.TaskId);
                    bool running;
                    lock (_runGate)
                    {
                        _stoppedAfter = item.Sequence;

                        // A stop stops the run of the messages before it, not one a later message started.
                        running = _run is not null && _runUpTo < item.Sequence;
                        if (running)
                        {
                            // The stop is the action that closes the run (§9): recorded before the cancel the run sees.
                            _stopAction ??= LifecycleCloseAction.Create(LifecycleKind.TaskStop, _time);
                            _run!.Cancel();
                        }
                    }

                    if (!running)
                    {
                        await ReportAsync(AiTaskStatus.Stopped, "stopped by the user (no run was in progress)", delivery).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The agent is shutting down.
        }
        finally
        {
            inbox.TryComplete();
        }
    }

    private async Task RunOnceAsync(ChatCompletionsClient client, TaskMessageWriter writer, CancellationTokenSource run, CancellationToken delivery, CancellationToken shutdown)
    {
        var number = Interlocked.Increment(ref _runs);
        var observation = new RunObservation(_settings.TaskId, _settings.Model!, Volatile.Read(ref _runUpTo), _tools, _time, _logger, Telemetry);
        var turns = 0;
        var toolCalls = 0;
        var partial = new StringBuilder();
        var streaming = false;
        _completion = null;
        try
        {
            await ReportAsync(AiTaskStatus.Working, null, delivery).ConfigureAwait(false);
            while (true)
            {
                run.Token.ThrowIfCancellationRequested();
                _conversation.Bound();
                var request = new ChatRequest
                {
                    Model = _settings.Model!,
                    Messages = [ChatMessage.System(SystemPrompt()), .. _conversation.Messages],

                    // Past the limit the model gets no tools, so it has to answer.
                    Tools = toolCalls < _limits.MaxToolCallsPerRun ? _tools.Definitions : null,
                };
                turns++;
                partial.Clear();
                streaming = true;
                observation.BeginAttempt();
                var result = await client.StreamAsync(request, async (delta, token) =>
                {
                    partial.Append(delta);
                    await writer.AppendTextAsync(delta, token).ConfigureAwait(false);
                }, observation, run.Token).ConfigureAwait(false);
                streaming = false;
                if (result.Failure is { } failure)
                {
                    if (partial.Length > 0)
                    {
                        _conversation.Add(ChatMessage.Assistant(partial.ToString(), null));
                    }

                    TaskAgentLog.ProviderFailed(_logger, _settings.TaskId, WireName.Of(failure.Kind), failure.StatusCode, failure.Message);
                    observation.ProviderFailed(failure);
                    var reason = failure.Kind == ChatFailureKind.Refused ? failure.Message : $"the model provider failed: {failure.Message}";
                    await EndAsync(writer, number, AiTaskStatus.Failed, reason, turns, toolCalls, observation.Finish(), delivery).ConfigureAwait(false);
                    return;
                }

                var turn = result.Turn!;
                _conversation.Add(ChatMessage.Assistant(turn.Text.Length > 0 ? turn.Text : null, turn.ToolCalls));
                if (turn.ToolCalls.Count == 0)
                {
                    // The answer's last text goes out with the run's summary (EndAsync).
                    break;
                }

                await writer.FlushTextAsync().ConfigureAwait(false);

                foreach (var call in turn.ToolCalls)
                {
                    toolCalls++;
                    await CallAsync(call, toolCalls, writer, observation, run.Token).ConfigureAwait(false);
                }
            }

            await EndAsync(writer, number, _completion is null ? AiTaskStatus.Idle : AiTaskStatus.Completed, _completion, turns, toolCalls, observation.Finish(), delivery).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            LifecycleCloseAction? action;
            lock (_runGate)
            {
                action = _stopAction;
            }

            // Not stopped by the user: the agent is closing its runs, under the action its initiator began (§9).
            action ??= (LifecycleCloses ?? new TaskLifecycleCloses(_time)).Begin(LifecycleKind.AgentShutdown);
            observation.Interrupted(action, streaming);
            if (streaming && partial.Length > 0)
            {
                _conversation.Add(ChatMessage.Assistant(partial + "\n[interrupted]", null));
            }

            _conversation.CloseOpenToolCalls("interrupted: the run was stopped before this tool call finished; it may have run partly");
            var reason = shutdown.IsCancellationRequested ? "the workspace is stopping" : "stopped by the user";
            await writer.FlushTextAsync().ConfigureAwait(false);
            await EndAsync(writer, number, AiTaskStatus.Stopped, reason, turns, toolCalls, observation.Finish(), delivery).ConfigureAwait(false);
        }
        finally
        {
            lock (_runGate)
            {
                _run = null;
                _stopAction = null;
            }
        }
    }

    private async Task CallAsync(ChatToolCall call, int number, TaskMessageWriter writer, RunObservation observation, CancellationToken cancellationToken)
    {
        var name = call.Function.Name;
        var tool = _tools.Find(name);
        var arguments = ToolArguments.Parse(call.Function.Arguments, out var argumentError);
        await writer.SendAsync(new NewTaskMessage
        {
            Kind = TaskMessageKind.ToolCall,
            ToolName = name,
            Content = HeadTail.Cut(tool is not null && arguments is not null ? tool.Summarize(arguments) : call.Function.Arguments, _limits.MaxSummaryChars),
        }).ConfigureAwait(false);

        ToolResult result;
        if (number > _limits.MaxToolCallsPerRun)
        {
            result = ToolResult.Error($"not run: this run reached its limit of {_limits.MaxToolCallsPerRun} tool calls; answer with what you have");
        }
        else if (tool is null)
        {
            result = ToolResult.Error($"there is no tool \"{name}\"; the tools are {string.Join(", ", _tools.All.Select(t => t.Name))}");
        }
        else if (arguments is null)
        {
            result = ToolResult.Error(argumentError!);
        }
        else
        {
            result = await ExecuteAsync(tool, call, arguments, observation, cancellationToken).ConfigureAwait(false);
            _completion = tool is TaskCompleteTool && !result.IsError ? TaskCompleteTool.Reason(arguments) : _completion;
        }

        if (number > _limits.MaxToolCallsPerRun || tool is null || arguments is null)
        {
            observation.ToolNotRun(call);
        }

        // A file or a command may show the key (a .env the model reads): it goes neither to the model nor to the server.
        var output = ((result.IsError ? "error: " : string.Empty) + result.Output).Replace(_settings.ApiKey!, "[redacted]", StringComparison.Ordinal);
        var forModel = HeadTail.Cut(output, _limits.MaxToolResultChars);
        if (forModel.Length < output.Length)
        {
            forModel += $"\n[the result had {output.Length} characters; only its start and end are shown]";
        }

        _conversation.Add(ChatMessage.Tool(call.Id, forModel));
        await writer.SendAsync(new NewTaskMessage { Kind = TaskMessageKind.ToolResult, ToolName = name, Content = HeadTail.Cut(output, _limits.MaxSummaryChars) }).ConfigureAwait(false);
    }

    private async Task<ToolResult> ExecuteAsync(ITaskTool tool, ChatToolCall call, ToolArguments arguments, RunObservation observation, CancellationToken cancellationToken)
    {
        observation.ToolStarted(call);
        try
        {
            var result = await tool.RunAsync(arguments, _context, cancellationToken).ConfigureAwait(false);
            observation.ToolCompleted(call);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A tool's refusals are values; an exception is a bug or the file system failing, and the run goes on.
            TaskAgentLog.ToolThrew(_logger, _settings.TaskId, tool.Name, ex);
            observation.ToolFailed(call, ex);
            return ToolResult.Error($"the tool failed: {ex.Message}");
        }
    }

    private async Task EndAsync(TaskMessageWriter writer, int run, AiTaskStatus status, string? reason, int turns, int toolCalls, RunObservability? summary, CancellationToken delivery)
    {
        TaskAgentLog.RunEnded(_logger, _settings.TaskId, run, WireName.Of(status), turns, toolCalls, reason ?? "the model answered");
        if (reason is not null)
        {
            await writer.SendAsync(new NewTaskMessage { Kind = TaskMessageKind.Status, Content = $"Run {WireName.Of(status)}: {reason}", RunObservability = summary }).ConfigureAwait(false);
        }
        else
        {
            await writer.CloseRunAsync(summary).ConfigureAwait(false);
        }

        await ReportAsync(status, reason, delivery).ConfigureAwait(false);
    }

    private async Task ReportAsync(AiTaskStatus status, string? reason, CancellationToken delivery)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var failure = await _channel.ReportStatusAsync(new ReportTaskStatusRequest { Status = status, Reason = reason }, delivery).ConfigureAwait(false);
                if (failure is null)
                {
                    return;
                }

                if (attempt == 5)
                {
                    TaskAgentLog.StatusNotReported(_logger, _settings.TaskId, WireName.Of(status), failure.Message);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time, delivery).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (delivery.IsCancellationRequested)
            {
                TaskAgentLog.StatusNotReported(_logger, _settings.TaskId, WireName.Of(status), "the agent is shutting down");
                return;
            }
        }
    }

    private string SystemPrompt() =>
        $"You are a coding agent working inside a remote development workspace. The workspace directory is {_context.Workspace.Root}; " +
        "paths you give the tools are relative to it, and paths outside it are refused. Use the tools to look at and change files and to run " +
        "commands, then answer briefly with what you did; when the whole task is done, call task_complete with a summary. Tool results and old messages may be shortened; a note says so when they are.";
}
