using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Outpost.Sdk.Tasks;
using Outpost.Server.Http;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Tasks;

/// <summary>
/// The task's SSE streams. Each subscribes first, then reads the database from the client's last
/// sequence, so a message committed at any time is either read or announced (or its loss is, which
/// also re-reads); the event id is the message's sequence, so a client that reconnects with
/// <c>after</c> or <c>Last-Event-ID</c> misses nothing and sees nothing twice.
/// </summary>
internal static class TaskStreams
{
    public const string MessageEventType = "message";

    public const string StatusEventType = "status";

    public const string StopEventType = "stop";

    private const int Page = 500;

    /// <summary>Where a stream resumes: <c>after</c>, else <c>Last-Event-ID</c>, else the start; or the problem naming the bad one.</summary>
    public static ProblemHttpResult? ResumePoint(long? after, HttpContext http, out long resume)
    {
        ArgumentNullException.ThrowIfNull(http);
        resume = after ?? 0;
        if (after is < 0)
        {
            return Problems.BadField("after", $"after must be a message sequence (0 or more), not {after}", Sdk.ProblemCodes.ValidationFailed);
        }

        if (after is null && http.Request.Headers["Last-Event-ID"] is { Count: > 0 } header)
        {
            if (!long.TryParse(header.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out resume))
            {
                return Problems.BadField("Last-Event-ID", $"Last-Event-ID must be a message sequence, not \"{header}\"", Sdk.ProblemCodes.ValidationFailed);
            }
        }

        return null;
    }

    /// <summary>The user's stream: the task's status (again whenever it changes) and every message after <paramref name="after"/>.</summary>
    public static async IAsyncEnumerable<SseItem<string>> UserStreamAsync(
        TaskStore store, PubsubSubscription task, PubsubSubscription workspace, Guid taskId, long after, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (task.ConfigureAwait(false))
        await using (workspace.ConfigureAwait(false))
        {
            string? sentStatus = null;
            while (true)
            {
                var row = await store.GetAsync(taskId, cancellationToken).ConfigureAwait(false);
                if (row is null)
                {
                    yield break;
                }

                var status = JsonSerializer.Serialize(row.Task, TaskJsonContext.Default.AiTask);
                if (status != sentStatus)
                {
                    sentStatus = status;
                    yield return new SseItem<string>(status, StatusEventType);
                }

                List<(TaskMessage Message, string? InboxEvent)> page;
                do
                {
                    page = await store.ListMessagesAsync(taskId, after, Page, inbox: false, cancellationToken).ConfigureAwait(false);
                    foreach (var (message, _) in page)
                    {
                        after = message.Sequence;
                        yield return Message(message);
                    }
                }
                while (page.Count == Page);

                if (!await WaitEitherAsync(task, workspace, time, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                Drain(task);
                Drain(workspace);
            }
        }
    }

    /// <summary>The agent's inbox: user messages (the prompt first) and stop events after <paramref name="after"/>.</summary>
    public static async IAsyncEnumerable<SseItem<string>> InboxAsync(
        TaskStore store, PubsubSubscription task, Guid taskId, long after, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (task.ConfigureAwait(false))
        {
            // Nothing may be waiting; a first ping sends the response headers now.
            yield return new SseItem<string>(null!, Streaming.ServerSentEventStream.PingEventType);
            while (true)
            {
                List<(TaskMessage Message, string? InboxEvent)> page;
                do
                {
                    page = await store.ListMessagesAsync(taskId, after, Page, inbox: true, cancellationToken).ConfigureAwait(false);
                    foreach (var (message, inboxEvent) in page)
                    {
                        after = message.Sequence;
                        yield return inboxEvent == TaskService.StopEvent
                            ? new SseItem<string>(JsonSerializer.Serialize(new TaskStopEvent { RequestedAt = message.CreatedAt }, TaskJsonContext.Default.TaskStopEvent), StopEventType)
                            {
                                EventId = message.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            }
                            : Message(message);
                    }
                }
                while (page.Count == Page);

                if (!await task.WaitToReadOrRecheckAsync(PubsubSubscription.RecheckInterval, time, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                Drain(task);
            }
        }
    }

    private static SseItem<string> Message(TaskMessage message) =>
        new(JsonSerializer.Serialize(message, TaskJsonContext.Default.TaskMessage), MessageEventType)
        {
            EventId = message.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    private static void Drain(PubsubSubscription subscription)
    {
        while (subscription.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Waits for either subscription (or the recheck timer); false when one of them has ended.</summary>
    private static async Task<bool> WaitEitherAsync(PubsubSubscription first, PubsubSubscription second, TimeProvider time, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var a = first.WaitToReadOrRecheckAsync(PubsubSubscription.RecheckInterval, time, either.Token);
        var b = second.WaitToReadOrRecheckAsync(PubsubSubscription.RecheckInterval, time, either.Token);
        var done = await Task.WhenAny(a, b).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        var result = await done.ConfigureAwait(false);
        await ObserveAsync(done == a ? b : a).ConfigureAwait(false);
        return result;
    }

    private static async Task ObserveAsync(Task<bool> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the other wait was canceled once one of them returned.
        }
    }
}
