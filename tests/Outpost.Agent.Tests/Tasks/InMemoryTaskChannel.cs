using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Outpost.Agent.Tasks;
using Outpost.Agent.Transport;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

/// <summary>The server's side of a task for the agent loop, in memory: it records messages and statuses and feeds the inbox.</summary>
internal sealed class InMemoryTaskChannel : ITaskChannel
{
    private readonly Lock _gate = new();
    private readonly List<TaskMessage> _messages = [];
    private readonly List<ReportTaskStatusRequest> _statuses = [];
    private readonly List<(long Sequence, TaskMessageKind Kind, RunObservability Summary)> _runs = [];
    private readonly List<(Func<bool> Done, TaskCompletionSource Seen)> _waiters = [];
    private readonly Channel<TaskInboxEvent> _inbox = Channel.CreateUnbounded<TaskInboxEvent>();
    private readonly TimeProvider _time = TimeProvider.System;
    private long _sequence;

    public InMemoryTaskChannel(string prompt)
    {
        Task = new AgentTask { Id = Guid.NewGuid(), Prompt = prompt, Status = AiTaskStatus.Initializing };
        Send(prompt);
    }

    public AgentTask Task { get; }

    public IReadOnlyList<TaskMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public IReadOnlyList<ReportTaskStatusRequest> Statuses
    {
        get
        {
            lock (_gate)
            {
                return [.. _statuses];
            }
        }
    }

    /// <summary>The run summaries the agent stored (issue 23), with the sequence and kind of the message that carried each.</summary>
    public IReadOnlyList<(long Sequence, TaskMessageKind Kind, RunObservability Summary)> Runs
    {
        get
        {
            lock (_gate)
            {
                return [.. _runs];
            }
        }
    }

    /// <summary>A follow-up (or the prompt), as <c>tasks send</c> would store it.</summary>
    public void Send(string content)
    {
        TaskMessage message;
        lock (_gate)
        {
            message = new TaskMessage { Sequence = ++_sequence, Kind = TaskMessageKind.User, Content = content, CreatedAt = _time.GetUtcNow() };
            _messages.Add(message);
        }

        _inbox.Writer.TryWrite(TaskInboxEvent.Of(message));
    }

    /// <summary>A stop request, stored in sequence as the server stores it.</summary>
    public void Stop()
    {
        long sequence;
        lock (_gate)
        {
            sequence = ++_sequence;
        }

        _inbox.Writer.TryWrite(TaskInboxEvent.Of(sequence, new TaskStopEvent { RequestedAt = _time.GetUtcNow() }));
    }

    /// <summary>Completes once <paramref name="count"/> reports of <paramref name="status"/> arrived.</summary>
    public Task<ReportTaskStatusRequest> WaitForStatusAsync(AiTaskStatus status, int count = 1) =>
        WaitAsync(() => Statuses.Where(s => s.Status == status).Skip(count - 1).FirstOrDefault());

    public Task<TaskMessage> WaitForMessageAsync(Func<TaskMessage, bool> match) => WaitAsync(() => Messages.FirstOrDefault(match));

    public Task<AgentApiResult<AgentTask>> GetTaskAsync(CancellationToken cancellationToken) =>
        System.Threading.Tasks.Task.FromResult(AgentApiResult<AgentTask>.Ok(Task));

    public Task<AgentApiResult<TaskMessageList>> AppendMessagesAsync(IReadOnlyList<NewTaskMessage> messages, CancellationToken cancellationToken)
    {
        List<TaskMessage> stored = [];
        lock (_gate)
        {
            foreach (var message in messages)
            {
                if (message.RunObservability is { } summary)
                {
                    _runs.Add((_sequence + 1, message.Kind, summary));
                }

                stored.Add(new TaskMessage { Sequence = ++_sequence, Kind = message.Kind, Content = message.Content, ToolName = message.ToolName, CreatedAt = _time.GetUtcNow() });
            }

            _messages.AddRange(stored);
        }

        Changed();
        return System.Threading.Tasks.Task.FromResult(AgentApiResult<TaskMessageList>.Ok(new TaskMessageList { Messages = stored }));
    }

    public Task<AgentApiFailure?> ReportStatusAsync(ReportTaskStatusRequest report, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _statuses.Add(report);
        }

        Changed();
        return System.Threading.Tasks.Task.FromResult<AgentApiFailure?>(null);
    }

    public async IAsyncEnumerable<TaskInboxEvent> ReadInboxAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _inbox.Reader.ReadAllAsync(cancellationToken))
        {
            if (item.Sequence > after)
            {
                yield return item;
            }
        }
    }

    /// <summary>What the server answers a resuming agent; a new task's (nothing yet) unless a test sets it.</summary>
    public AgentTaskConversation Conversation { get; set; } = new() { Messages = [], ResumeAfter = 0 };

    public Task<AgentApiResult<AgentTaskConversation>> GetConversationAsync(CancellationToken cancellationToken) =>
        System.Threading.Tasks.Task.FromResult(AgentApiResult<AgentTaskConversation>.Ok(Conversation));

    private async Task<T> WaitAsync<T>(Func<T?> find)
        where T : class
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((() => find() is not null, seen));
        }

        Changed();
        await seen.Task.WithTimeout();
        return find()!;
    }

    private void Changed()
    {
        (Func<bool> Done, TaskCompletionSource Seen)[] waiters;
        lock (_gate)
        {
            waiters = [.. _waiters];
        }

        foreach (var waiter in waiters.Where(w => w.Done()))
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            waiter.Seen.TrySetResult();
        }
    }
}
