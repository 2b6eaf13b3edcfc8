using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Transport;
using Outpost.Sdk.Tasks;

namespace Outpost.Agent.Tasks;

/// <summary>
/// <see cref="ITaskChannel"/> over the agent's HTTP client (its token, its version header): the agent routes under
/// <c>{agent prefix}/task</c>. The inbox is read as server-sent events and reopened, after the last sequence seen,
/// whenever it breaks — with backoff, until canceled.
/// </summary>
internal sealed class HttpTaskChannel(HttpAgentTransport transport, Guid taskId, TimeProvider time, ILogger logger) : ITaskChannel
{
    private static readonly Uri TaskUri = new(TaskApi.AgentTaskPath.TrimStart('/'), UriKind.Relative);
    private static readonly Uri MessagesUri = new(TaskApi.AgentTaskPath.TrimStart('/') + "/messages", UriKind.Relative);
    private static readonly Uri StatusUri = new(TaskApi.AgentTaskPath.TrimStart('/') + "/status", UriKind.Relative);
    private static readonly Uri ConversationUri = new(TaskApi.AgentTaskPath.TrimStart('/') + "/conversation", UriKind.Relative);

    /// <summary>Retries of a broken inbox.</summary>
    public Backoff InboxBackoff { get; init; } = Backoff.Default();

    /// <summary>The server pings the inbox every 15 s; this long without a line, the connection is taken for dead and reopened.</summary>
    public TimeSpan InboxQuietTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<AgentApiResult<AgentTask>> GetTaskAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await transport.Http.GetAsync(TaskUri, cancellationToken).ConfigureAwait(false);
            if (await HttpAgentTransport.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                return AgentApiResult<AgentTask>.Fail(failure);
            }

            var task = await response.Content.ReadFromJsonAsync(TaskJsonContext.Default.AgentTask, cancellationToken).ConfigureAwait(false);
            return task is null ? AgentApiResult<AgentTask>.Fail(new AgentApiFailure(AgentApiFailureKind.Rejected, "the server sent an empty task")) : AgentApiResult<AgentTask>.Ok(task);
        }
        catch (Exception ex) when (HttpAgentTransport.Unreachable(ex, cancellationToken) is { } failure)
        {
            return AgentApiResult<AgentTask>.Fail(failure);
        }
    }

    public async Task<AgentApiResult<TaskMessageList>> AppendMessagesAsync(IReadOnlyList<NewTaskMessage> messages, CancellationToken cancellationToken)
    {
        try
        {
            using var content = JsonContent.Create(new AppendTaskMessagesRequest { Messages = messages }, TaskJsonContext.Default.AppendTaskMessagesRequest);
            using var response = await transport.Http.PostAsync(MessagesUri, content, cancellationToken).ConfigureAwait(false);
            if (await HttpAgentTransport.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                return AgentApiResult<TaskMessageList>.Fail(failure);
            }

            var stored = await response.Content.ReadFromJsonAsync(TaskJsonContext.Default.TaskMessageList, cancellationToken).ConfigureAwait(false);
            return AgentApiResult<TaskMessageList>.Ok(stored ?? new TaskMessageList { Messages = [] });
        }
        catch (Exception ex) when (HttpAgentTransport.Unreachable(ex, cancellationToken) is { } failure)
        {
            return AgentApiResult<TaskMessageList>.Fail(failure);
        }
    }

    public async Task<AgentApiFailure?> ReportStatusAsync(ReportTaskStatusRequest report, CancellationToken cancellationToken)
    {
        try
        {
            using var content = JsonContent.Create(report, TaskJsonContext.Default.ReportTaskStatusRequest);
            using var response = await transport.Http.PostAsync(StatusUri, content, cancellationToken).ConfigureAwait(false);
            return await HttpAgentTransport.FailureOfAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (HttpAgentTransport.Unreachable(ex, cancellationToken) is { } failure)
        {
            return failure;
        }
    }

    public async IAsyncEnumerable<TaskInboxEvent> ReadInboxAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            var reader = OpenAsync(after, cancellationToken).GetAsyncEnumerator(cancellationToken);
            string? broke = null;
            try
            {
                while (true)
                {
                    TaskInboxEvent item;
                    try
                    {
                        if (!await reader.MoveNextAsync().ConfigureAwait(false))
                        {
                            broke = "the server ended the stream";
                            break;
                        }

                        item = reader.Current;
                    }
                    catch (Exception ex) when (InboxFailure(ex, cancellationToken) is { } failure)
                    {
                        broke = failure;
                        break;
                    }

                    failures = 0;
                    after = Math.Max(after, item.Sequence);
                    yield return item;
                }
            }
            finally
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }

            var delay = InboxBackoff.Delay(++failures);
            TaskAgentLog.InboxBroken(logger, taskId, broke, after, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<AgentApiResult<AgentTaskConversation>> GetConversationAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await transport.Http.GetAsync(ConversationUri, cancellationToken).ConfigureAwait(false);
            if (await HttpAgentTransport.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                return AgentApiResult<AgentTaskConversation>.Fail(failure);
            }

            var conversation = await response.Content.ReadFromJsonAsync(TaskJsonContext.Default.AgentTaskConversation, cancellationToken).ConfigureAwait(false);
            return conversation is null
                ? AgentApiResult<AgentTaskConversation>.Fail(new AgentApiFailure(AgentApiFailureKind.Rejected, "the server sent an empty conversation"))
                : AgentApiResult<AgentTaskConversation>.Ok(conversation);
        }
        catch (Exception ex) when (HttpAgentTransport.Unreachable(ex, cancellationToken) is { } failure)
        {
            return AgentApiResult<AgentTaskConversation>.Fail(failure);
        }
    }

    private async IAsyncEnumerable<TaskInboxEvent> OpenAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var quiet = new CancellationTokenSource(InboxQuietTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(quiet.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{TaskUri}/inbox?after={after}", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await transport.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (await HttpAgentTransport.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } failure)
        {
            throw new InboxException(failure.Message);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? type = null;
        string? id = null;
        var data = new StringBuilder();
        while (await ReadLineAsync(reader, quiet, linked.Token, cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].Trim();
                }
                else if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    id = line[3..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(data.Length > 0 ? "\n" : string.Empty).Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
                }

                continue;
            }

            var payload = data.ToString();
            data.Clear();
            var kind = type ?? "message";
            var sequence = long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
            type = null;
            id = null;
            if (payload.Length == 0)
            {
                continue;
            }

            TaskInboxEvent? item;
            try
            {
                item = kind switch
                {
                    "message" when JsonSerializer.Deserialize(payload, TaskJsonContext.Default.TaskMessage) is { } message => TaskInboxEvent.Of(message),
                    "stop" when sequence > 0 && JsonSerializer.Deserialize(payload, TaskJsonContext.Default.TaskStopEvent) is { } stop => TaskInboxEvent.Of(sequence, stop),
                    _ => null,
                };
            }
            catch (JsonException ex)
            {
                throw new InboxException($"the server sent an inbox event that is not JSON: {ex.Message}");
            }

            if (item is not null)
            {
                yield return item;
            }
        }
    }

    private async Task<string?> ReadLineAsync(StreamReader reader, CancellationTokenSource quiet, CancellationToken linked, CancellationToken cancellationToken)
    {
        try
        {
            var line = await reader.ReadLineAsync(linked).ConfigureAwait(false);
            quiet.CancelAfter(InboxQuietTimeout);
            return line;
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InboxException($"the server sent nothing for {InboxQuietTimeout.TotalSeconds:0} s");
        }
    }

    private static string? InboxFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is InboxException ? ex.Message : HttpAgentTransport.Unreachable(ex, cancellationToken)?.Message;

    private sealed class InboxException(string message) : Exception(message);
}
