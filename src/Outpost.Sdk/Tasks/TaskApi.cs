using System.Text.Json.Serialization;

namespace Outpost.Sdk.Tasks;

/// <summary>
/// The AI task API (issue 22). A task is a prompt that becomes a workspace in which a coding agent
/// works. User routes are under <see cref="Prefix"/> (user token); the task agent's routes are under
/// <see cref="Agents.AgentApi.Prefix"/> + <see cref="AgentTaskPath"/> (agent token):
/// <list type="bullet">
/// <item><c>POST /api/v2/tasks</c> (<see cref="CreateTaskRequest"/>) → 201 <see cref="AiTask"/>: the task and its workspace in one transaction.</item>
/// <item><c>GET /api/v2/tasks</c> → <see cref="AiTaskList"/> (the caller's; an owner sees all); <c>GET /api/v2/tasks/{id}</c> → <see cref="AiTask"/>.</item>
/// <item><c>DELETE /api/v2/tasks/{id}</c> → 202: deletes the workspace (a delete build); the task goes with it.</item>
/// <item><c>POST /api/v2/tasks/{id}/send</c> (<see cref="SendTaskMessageRequest"/>) → 202: a follow-up user message.</item>
/// <item><c>POST /api/v2/tasks/{id}/stop</c> → 202: interrupts the current run.</item>
/// <item><c>GET /api/v2/tasks/{id}/messages?after=N</c> → <see cref="TaskMessageList"/> in order;
/// <c>GET /api/v2/tasks/{id}/messages/stream?after=N</c> (or <c>Last-Event-ID</c>) → SSE, one <c>message</c>
/// event per <see cref="TaskMessage"/> with <c>id:</c> its <see cref="TaskMessage.Sequence"/>, and <c>status</c>
/// events carrying the task (<see cref="AiTask"/>) when its status changes.</item>
/// <item>Agent: <c>GET {agent prefix}/task</c> → <see cref="AgentTask"/> (404 <c>task_not_found</c> when the workspace has none).</item>
/// <item>Agent: <c>POST {agent prefix}/task/messages</c> (<see cref="AppendTaskMessagesRequest"/>) → 200 <see cref="TaskMessageList"/> (with their sequences).</item>
/// <item>Agent: <c>POST {agent prefix}/task/status</c> (<see cref="ReportTaskStatusRequest"/>) → 204.</item>
/// <item>Agent: <c>GET {agent prefix}/task/inbox?after=N</c> → SSE: <c>message</c> events for user messages
/// (<see cref="TaskMessage"/> of kind <see cref="TaskMessageKind.User"/>, the first prompt included, with <c>id:</c> the
/// sequence) and <c>stop</c> events (<see cref="TaskStopEvent"/>); reconnecting with <c>after</c> or <c>Last-Event-ID</c>
/// misses nothing.</item>
/// </list>
/// </summary>
public static class TaskApi
{
    /// <summary>The user route prefix.</summary>
    public const string Prefix = "/api/v2/tasks";

    /// <summary>The agent routes' path under the agent prefix.</summary>
    public const string AgentTaskPath = "/task";

    /// <summary>The provisioner environment variable that carries the task's id into a build.</summary>
    public const string TaskIdVariable = "OUTPOST_TASK_ID";

    /// <summary>The provisioner environment variable that carries the task's prompt into a build.</summary>
    public const string TaskPromptVariable = "OUTPOST_TASK_PROMPT";

    /// <summary>
    /// Set in the task agent's environment (its manifest's <c>environment</c>) by the build of a task workspace:
    /// the agent that finds it starts the coding loop for that task.
    /// </summary>
    public const string AgentTaskIdVariable = "OUTPOST_TASK_ID";

    /// <summary>In the task agent's environment (set by the template): the OpenAI-compatible base URL, e.g. <c>https://api.openai.com/v1</c>.</summary>
    public const string ModelUrlVariable = "OUTPOST_TASK_MODEL_URL";

    /// <summary>In the task agent's environment (set by the template): the model name.</summary>
    public const string ModelVariable = "OUTPOST_TASK_MODEL";

    /// <summary>
    /// In the task agent's environment (set by the template): the name of the environment variable, filled from the
    /// owner's user secret of that name, that holds the provider's API key; <see cref="DefaultApiKeyVariable"/> when unset.
    /// </summary>
    public const string ApiKeyVariableVariable = "OUTPOST_TASK_API_KEY_ENV";

    /// <summary>The API key's variable when the template names none.</summary>
    public const string DefaultApiKeyVariable = "OPENAI_API_KEY";

    /// <summary>The longest prompt or follow-up message accepted, in characters.</summary>
    public const int MaxPromptLength = 32 * 1024;
}

/// <summary>A task's status (coder's task states): follows the workspace build and the agent's reports.</summary>
public enum AiTaskStatus
{
    /// <summary>Created; its workspace build is queued.</summary>
    Pending,

    /// <summary>The workspace is building or its agent is starting.</summary>
    Initializing,

    /// <summary>The coding agent is running (a model turn or a tool call).</summary>
    Working,

    /// <summary>The model stopped calling tools; waiting for a follow-up (<c>send</c>).</summary>
    Idle,

    /// <summary>The agent reported the work complete.</summary>
    Completed,

    /// <summary>The build, the agent or the model provider failed; <see cref="AiTask.StatusReason"/> says why.</summary>
    Failed,

    /// <summary>Stopped by the user, or the workspace was stopped.</summary>
    Stopped,
}

/// <summary>Who or what a task message is from.</summary>
public enum TaskMessageKind
{
    /// <summary>The prompt or a follow-up from the user.</summary>
    User,

    /// <summary>The model's text.</summary>
    Assistant,

    /// <summary>A tool call the model asked for: <see cref="TaskMessage.ToolName"/> and a summary of its arguments.</summary>
    ToolCall,

    /// <summary>A tool's result, summarized (bounded).</summary>
    ToolResult,

    /// <summary>A status line from the agent (started, stopped, failed and why).</summary>
    Status,
}

/// <summary>A task.</summary>
public sealed record AiTask
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The owner's id.</summary>
    public required Guid OwnerId { get; init; }

    /// <summary>The owner's username.</summary>
    public required string OwnerName { get; init; }

    /// <summary>The task's workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The workspace's name.</summary>
    public required string WorkspaceName { get; init; }

    /// <summary>The workspace's template.</summary>
    public required string TemplateName { get; init; }

    /// <summary>The first prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>Where the task is.</summary>
    public required AiTaskStatus Status { get; init; }

    /// <summary>Why the task is failed or stopped, or what it waits on; null otherwise.</summary>
    public string? StatusReason { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When its status last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>How the task's last run ended (issue 23), on <c>GET /api/v2/tasks/{id}</c> only; null before a run ends.</summary>
    public TaskRunOutcome? LastRun { get; init; }
}

/// <summary>A page of tasks, newest first.</summary>
public sealed record AiTaskList
{
    /// <summary>The tasks.</summary>
    public required IReadOnlyList<AiTask> Tasks { get; init; }
}

/// <summary>The body of <c>POST /api/v2/tasks</c>.</summary>
public sealed record CreateTaskRequest
{
    /// <summary>The template's name or id.</summary>
    public required string Template { get; init; }

    /// <summary>A version of the template; its active version when null.</summary>
    public Guid? TemplateVersionId { get; init; }

    /// <summary>A preset of the version (a ready prebuild is claimed when there is one).</summary>
    public string? Preset { get; init; }

    /// <summary>The workspace's name; generated from the prompt when null.</summary>
    public string? Name { get; init; }

    /// <summary>Parameter values by name.</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    /// <summary>The first prompt.</summary>
    public required string Prompt { get; init; }
}

/// <summary>The body of <c>POST /api/v2/tasks/{id}/send</c>.</summary>
public sealed record SendTaskMessageRequest
{
    /// <summary>The text (bounded by the server).</summary>
    public required string Content { get; init; }
}

/// <summary>One stored task message.</summary>
public sealed record TaskMessage
{
    /// <summary>The message's place in its task, from 1, without gaps.</summary>
    public required long Sequence { get; init; }

    /// <summary>Who or what the message is from.</summary>
    public required TaskMessageKind Kind { get; init; }

    /// <summary>The text (bounded by the server).</summary>
    public required string Content { get; init; }

    /// <summary>The tool, for <see cref="TaskMessageKind.ToolCall"/> and <see cref="TaskMessageKind.ToolResult"/>.</summary>
    public string? ToolName { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Messages in order.</summary>
public sealed record TaskMessageList
{
    /// <summary>The messages, oldest first.</summary>
    public required IReadOnlyList<TaskMessage> Messages { get; init; }
}

/// <summary>What the task agent learns about its task.</summary>
public sealed record AgentTask
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The first prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>Where the task is.</summary>
    public required AiTaskStatus Status { get; init; }
}

/// <summary>A message the agent appends (the server assigns sequence and time).</summary>
public sealed record NewTaskMessage
{
    /// <summary>Who or what the message is from.</summary>
    public required TaskMessageKind Kind { get; init; }

    /// <summary>The text (bounded by the server).</summary>
    public required string Content { get; init; }

    /// <summary>The tool, for tool calls and results.</summary>
    public string? ToolName { get; init; }

    /// <summary>
    /// On the message that closes a run (its last assistant text or its status line): the run's observability summary
    /// (schema version 1, issue 23), stored with the message and exported as its <c>diagnostics.run_observability</c>.
    /// </summary>
    public RunObservability? RunObservability { get; init; }
}

/// <summary>The body of <c>POST {agent prefix}/task/messages</c>: at most 100 messages.</summary>
public sealed record AppendTaskMessagesRequest
{
    /// <summary>The messages, oldest first.</summary>
    public required IReadOnlyList<NewTaskMessage> Messages { get; init; }
}

/// <summary>The body of <c>POST {agent prefix}/task/status</c>: <c>working</c>, <c>idle</c>, <c>completed</c>, <c>failed</c> or <c>stopped</c>.</summary>
public sealed record ReportTaskStatusRequest
{
    /// <summary>Where the task is.</summary>
    public required AiTaskStatus Status { get; init; }

    /// <summary>Why (for failed or stopped): e.g. "Missing required secret OPENAI_API_KEY", "the provider answered 429".</summary>
    public string? Reason { get; init; }
}

/// <summary>The inbox's <c>stop</c> event: the user asked the current run to stop.</summary>
public sealed record TaskStopEvent
{
    /// <summary>When the stop was asked for.</summary>
    public required DateTimeOffset RequestedAt { get; init; }
}

/// <summary>
/// <c>GET {agent prefix}/task/conversation</c>: what a (re)starting task agent resumes from — the conversation so far and the
/// point after which its inbox holds work it has not done.
/// </summary>
public sealed record AgentTaskConversation
{
    /// <summary>
    /// The messages up to <see cref="ResumeAfter"/>, oldest first, without stop records: the newest that fit the server's bound
    /// (and always the prompt, sequence 1).
    /// </summary>
    public required IReadOnlyList<TaskMessage> Messages { get; init; }

    /// <summary>
    /// The sequence of the last message the agent appended or the last stop, whichever is later (0 when there is none):
    /// the user messages up to it were answered or stopped; the agent reads its inbox after it.
    /// </summary>
    public required long ResumeAfter { get; init; }

    /// <summary>True when older messages were left out of <see cref="Messages"/> to keep it under the bound.</summary>
    public bool Truncated { get; init; }

    /// <summary>The agent's last report (from any build), or null when none was made.</summary>
    public AiTaskStatus? LastStatus { get; init; }

    /// <summary>The reason of <see cref="LastStatus"/>.</summary>
    public string? LastReason { get; init; }
}

/// <summary>JSON metadata for the task wire types (kept apart from the shared context to keep merges small).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AiTask))]
[JsonSerializable(typeof(AiTaskList))]
[JsonSerializable(typeof(CreateTaskRequest))]
[JsonSerializable(typeof(SendTaskMessageRequest))]
[JsonSerializable(typeof(TaskMessage))]
[JsonSerializable(typeof(TaskMessageList))]
[JsonSerializable(typeof(AgentTask))]
[JsonSerializable(typeof(NewTaskMessage))]
[JsonSerializable(typeof(AppendTaskMessagesRequest))]
[JsonSerializable(typeof(ReportTaskStatusRequest))]
[JsonSerializable(typeof(TaskStopEvent))]
[JsonSerializable(typeof(TaskRunOutcome))]
[JsonSerializable(typeof(AgentTaskConversation))]
public sealed partial class TaskJsonContext : JsonSerializerContext;
