using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Sdk.Workspaces;

namespace Outpost.Sdk.Client;

/// <summary>One event of a task's message stream: a message (with its sequence) or the task's new status.</summary>
/// <param name="Message">Set for a message event.</param>
/// <param name="Task">Set for a status event.</param>
public readonly record struct TaskStreamEvent(TaskMessage? Message, AiTask? Task);

public sealed partial class OutpostApiClient
{
    private static readonly string TasksPath = TaskApi.Prefix.TrimStart('/');

    /// <summary>Creates a task and its workspace.</summary>
    public Task<AiTask> CreateTaskAsync(CreateTaskRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, TasksPath, JsonContent.Create(request, TaskJsonContext.Default.CreateTaskRequest), TaskJsonContext.Default.AiTask, cancellationToken);

    /// <summary>The caller's tasks (an owner's: everyone's), newest first.</summary>
    public Task<AiTaskList> ListTasksAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, TasksPath, null, TaskJsonContext.Default.AiTaskList, cancellationToken);

    /// <summary>One task.</summary>
    public Task<AiTask> GetTaskAsync(Guid taskId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{TasksPath}/{taskId}", null, TaskJsonContext.Default.AiTask, cancellationToken);

    /// <summary>Deletes the task's workspace (the task goes with it once the delete build succeeds); answers the delete build.</summary>
    public Task<WorkspaceBuild> DeleteTaskAsync(Guid taskId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"{TasksPath}/{taskId}", null, OutpostJsonContext.Default.WorkspaceBuild, cancellationToken);

    /// <summary>Sends the task's agent a follow-up.</summary>
    public Task<TaskMessage> SendTaskMessageAsync(Guid taskId, string content, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"{TasksPath}/{taskId}/send", JsonContent.Create(new SendTaskMessageRequest { Content = content }, TaskJsonContext.Default.SendTaskMessageRequest),
            TaskJsonContext.Default.TaskMessage, cancellationToken);

    /// <summary>Asks the task's agent to stop its current run.</summary>
    public Task<TaskMessage> StopTaskAsync(Guid taskId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"{TasksPath}/{taskId}/stop", null, TaskJsonContext.Default.TaskMessage, cancellationToken);

    /// <summary>The task's messages after <paramref name="after"/>, oldest first (one page).</summary>
    public Task<TaskMessageList> ListTaskMessagesAsync(Guid taskId, long after, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{TasksPath}/{taskId}/messages?after={after.ToString(CultureInfo.InvariantCulture)}", null, TaskJsonContext.Default.TaskMessageList, cancellationToken);

    /// <summary>
    /// Copies the task's export (its messages with their run diagnostics, every run summary and incident; docs/tasks.md)
    /// to <paramref name="destination"/> as the server streams it. With <paramref name="sanitize"/> the export holds no
    /// conversation content and is safe to attach to a bug report.
    /// </summary>
    public async Task ExportTaskAsync(Guid taskId, bool sanitize, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{TasksPath}/{taskId}/export{(sanitize ? "?sanitize=true" : string.Empty)}", UriKind.Relative));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await body.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The AI seats in use (owners only).</summary>
    public Task<AiSeatList> ListAiSeatsAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, AiSeatApi.Path.TrimStart('/'), null, AiSeatJsonContext.Default.AiSeatList, cancellationToken);

    /// <summary>
    /// The task's stream after <paramref name="after"/>: its status first (and again when it changes), then
    /// messages as they come. Ends when the server ends it (the task was deleted); a broken connection
    /// surfaces as <see cref="HttpRequestException"/> or <see cref="IOException"/>: reconnect with the last
    /// message's sequence and nothing is missed.
    /// </summary>
    public async IAsyncEnumerable<TaskStreamEvent> StreamTaskAsync(Guid taskId, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            new Uri($"{TasksPath}/{taskId}/messages/stream?after={after.ToString(CultureInfo.InvariantCulture)}", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (string.IsNullOrEmpty(item.Data))
            {
                continue;
            }

            switch (item.EventType)
            {
                case "message":
                    yield return new TaskStreamEvent(JsonSerializer.Deserialize(item.Data, TaskJsonContext.Default.TaskMessage), null);
                    break;
                case "status":
                    yield return new TaskStreamEvent(null, JsonSerializer.Deserialize(item.Data, TaskJsonContext.Default.AiTask));
                    break;
            }
        }
    }
}
