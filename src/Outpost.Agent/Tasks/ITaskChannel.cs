using Outpost.Agent.Transport;
using Outpost.Sdk.Tasks;

namespace Outpost.Agent.Tasks;

/// <summary>
/// The task agent's side of the task API (<see cref="TaskApi"/>, agent routes): its task, the messages it
/// appends, the statuses it reports and its inbox. The HTTP implementation talks to the server over the agent's
/// transport; tests use an in-memory one. Failures are values; cancellation throws.
/// </summary>
internal interface ITaskChannel
{
    public Task<AgentApiResult<AgentTask>> GetTaskAsync(CancellationToken cancellationToken);

    /// <summary>Appends up to 100 messages, oldest first; answers them with their sequences.</summary>
    public Task<AgentApiResult<TaskMessageList>> AppendMessagesAsync(IReadOnlyList<NewTaskMessage> messages, CancellationToken cancellationToken);

    /// <summary>Reports working, idle, completed, failed or stopped; null on success.</summary>
    public Task<AgentApiFailure?> ReportStatusAsync(ReportTaskStatusRequest report, CancellationToken cancellationToken);

    /// <summary>
    /// The user's messages and stop requests after sequence <paramref name="after"/> (the first prompt is sequence 1), in
    /// order, as they come, until canceled. A broken stream is reopened after the last sequence seen, so nothing is missed.
    /// </summary>
    public IAsyncEnumerable<TaskInboxEvent> ReadInboxAsync(long after, CancellationToken cancellationToken);

    /// <summary>The conversation so far and the inbox's resume point, for an agent that starts on a task that already ran.</summary>
    public Task<AgentApiResult<AgentTaskConversation>> GetConversationAsync(CancellationToken cancellationToken);
}

/// <summary>One inbox event: a user message or a stop request, with its place in the task's messages (stops are stored too).</summary>
internal sealed record TaskInboxEvent
{
    public required long Sequence { get; init; }

    public TaskMessage? Message { get; init; }

    public TaskStopEvent? Stop { get; init; }

    public static TaskInboxEvent Of(TaskMessage message) => new() { Sequence = message.Sequence, Message = message };

    public static TaskInboxEvent Of(long sequence, TaskStopEvent stop) => new() { Sequence = sequence, Stop = stop };
}
