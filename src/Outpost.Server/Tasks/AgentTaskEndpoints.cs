using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Tasks;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;

namespace Outpost.Server.Tasks;

/// <summary>
/// The task agent's routes under the agent API (agent token only): the task of the calling agent's
/// workspace, its messages, its status reports and its inbox.
/// </summary>
internal static class AgentTaskEndpoints
{
    /// <summary>The most messages one append may carry.</summary>
    public const int MaxMessagesPerRequest = 100;

    /// <summary>The longest message content an agent may append, in characters (tool results are summarized to fit).</summary>
    public const int MaxContentLength = 64 * 1024;

    public static IEndpointRouteBuilder MapAgentTaskEndpoints(this IEndpointRouteBuilder routes)
    {
        // Agent tokens are not user credentials: the group authenticates with the agent scheme only.
        var task = routes.MapGroup(AgentApi.Prefix + TaskApi.AgentTaskPath).WithTags("Workspace agent API").RequireAuthorization(CallerPolicies.WorkspaceAgent);

        task.MapGet("/", static async Task<Results<Ok<AgentTask>, ProblemHttpResult>> (AuthenticatedAgent caller, TaskStore store, CancellationToken cancellationToken) =>
        {
            var row = await store.GetByWorkspaceAsync(caller.Agent.WorkspaceId, cancellationToken).ConfigureAwait(false);
            return row is null
                ? NoTask(caller)
                : TypedResults.Ok(new AgentTask { Id = row.Task.Id, Prompt = row.Task.Prompt, Status = row.Task.Status });
        }).WithName("GetAgentTask").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound).WithSummary("The task of the calling agent's workspace.");

        task.MapPost("/messages", static async Task<Results<Ok<TaskMessageList>, ProblemHttpResult>> (
            AppendTaskMessagesRequest request, AuthenticatedAgent caller, TaskStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            if (request.Messages.Count > MaxMessagesPerRequest)
            {
                return Problems.TooLarge($"at most {MaxMessagesPerRequest} messages a request; this one had {request.Messages.Count}");
            }

            for (var i = 0; i < request.Messages.Count; i++)
            {
                if (MessageProblem(request.Messages[i]) is { } problem)
                {
                    return Problems.BadField($"messages[{i}]", $"messages[{i}]: {problem}", ProblemCodes.ValidationFailed);
                }

                if (request.Messages[i].RunObservability is { } summary && TaskRunRules.Check(request.Messages[i], summary) is (var field, var summaryProblem))
                {
                    TaskRunMetrics.Rejected.Add(1);
                    var name = $"messages[{i}].run_observability{field}";
                    return Problems.BadField(name, $"{name}: {summaryProblem}", ProblemCodes.ValidationFailed);
                }
            }

            var row = await store.GetByWorkspaceAsync(caller.Agent.WorkspaceId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return NoTask(caller);
            }

            var stored = await store.AppendAsync(row.Task.Id, request.Messages, null, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return NoTask(caller);
            }

            if (stored.Count > 0)
            {
                TasksLog.MessagesAppended(loggers.CreateLogger(TasksLog.Category), row.Task.Id, caller.Agent.Id, stored.Count, stored[^1].Sequence);
            }

            return TypedResults.Ok(new TaskMessageList { Messages = stored });
        }).WithName("AppendAgentTaskMessages").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("Appends the agent's messages (assistant text, tool calls and results, status lines) in order; answers them with their sequences.");

        task.MapPost("/status", static async Task<Results<NoContent, ProblemHttpResult>> (
            ReportTaskStatusRequest request, AuthenticatedAgent caller, TaskStore store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            if (!TaskStatusRules.IsReportable(request.Status))
            {
                return Problems.BadField("status", $"an agent reports working, idle, completed, failed or stopped, not {WireName<AiTaskStatus>.Name(request.Status)}: that one follows the build", ProblemCodes.ValidationFailed);
            }

            if (request.Reason is { Length: > 4096 })
            {
                return Problems.BadField("reason", $"reason is {request.Reason.Length} characters long; the limit is 4096", ProblemCodes.ValidationFailed);
            }

            var row = await store.GetByWorkspaceAsync(caller.Agent.WorkspaceId, cancellationToken).ConfigureAwait(false);
            if (row is null || !await store.ReportAsync(row.Task.Id, caller.Agent.BuildId, request.Status, request.Reason, cancellationToken).ConfigureAwait(false))
            {
                return NoTask(caller);
            }

            TasksLog.StatusReported(loggers.CreateLogger(TasksLog.Category), row.Task.Id, caller.Agent.Id, WireName<AiTaskStatus>.Name(request.Status), request.Reason ?? string.Empty);
            return TypedResults.NoContent();
        }).WithName("ReportAgentTaskStatus").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("The agent's status report: working, idle, completed, failed or stopped (with a reason).");

        task.MapGet("/inbox", static async Task<IResult> (
            long? after, HttpContext http, AuthenticatedAgent caller, TaskStore store, IPubsub pubsub, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (TaskStreams.ResumePoint(after, http, out var resume) is { } bad)
            {
                return bad;
            }

            var row = await store.GetByWorkspaceAsync(caller.Agent.WorkspaceId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return NoTask(caller);
            }

            var subscription = await pubsub.SubscribeAsync(TaskStore.Channel(row.Task.Id), cancellationToken).ConfigureAwait(false);
            return ServerSentEventStream.CreateFromJson(TaskStreams.InboxAsync(store, subscription, row.Task.Id, resume, time, CancellationToken.None), time);
        }).WithName("AgentTaskInbox").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("SSE: the user's messages (the prompt first) as message events and stop requests as stop events, each with id: its sequence, after after or Last-Event-ID.");

        task.MapAgentTaskConversation();

        return routes;
    }

    private static ProblemHttpResult NoTask(AuthenticatedAgent caller) =>
        Problems.NotFound($"workspace \"{caller.Agent.WorkspaceName}\" has no task", ProblemCodes.TaskNotFound);

    private static string? MessageProblem(NewTaskMessage message) => message switch
    {
        { Kind: TaskMessageKind.User } => "kind user is for the user's messages; the agent appends assistant, tool_call, tool_result or status",
        { Content: null } => "content is required",
        { Content.Length: > MaxContentLength } => $"content is {message.Content.Length} characters long; the limit is {MaxContentLength} (summarize, and say it was truncated)",
        { Kind: TaskMessageKind.ToolCall or TaskMessageKind.ToolResult, ToolName: null or "" } => "tool_name is required for tool_call and tool_result",
        { ToolName.Length: > 128 } => "tool_name is longer than 128 characters",
        _ => null,
    };
}
