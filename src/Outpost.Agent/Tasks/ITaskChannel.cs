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
    /// The user's messages after sequence <paramref name="after"/> (the first prompt is sequence 1) and stop requests,
    /// as they come, until canceled. A broken stream is reopened after the last sequence seen, so nothing is missed.
    /// </summary>
    public IAsyncEnumerable<TaskInboxEvent> ReadInboxAsync(long after, CancellationToken cancellationToken);
}

/// <summary>One inbox event: a user message or a stop request.</summary>
internal sealed record TaskInboxEvent
{
    public TaskMessage? Message { get; init; }

    public TaskStopEvent? Stop { get; init; }

    public static TaskInboxEvent Of(TaskMessage message) => new() { Message = message };

    public static TaskInboxEvent Of(TaskStopEvent stop) => new() { Stop = stop };
}
