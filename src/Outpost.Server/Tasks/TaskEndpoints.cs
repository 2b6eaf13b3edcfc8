using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Tasks;

/// <summary>The user's task routes (<see cref="TaskApi"/>): a task is its workspace, so workspace permissions decide.</summary>
internal static class TaskEndpoints
{
    private static readonly PageLimit Paging = new(Default: 50, Max: 200);

    private static readonly PageLimit MessagePaging = new(Default: 500, Max: 1000);

    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder routes)
    {
        var tasks = routes.MapGroup(TaskApi.Prefix).WithTags("Tasks").RequireAuthorization(CallerPolicies.User);

        tasks.MapPost("/", static async Task<Results<Created<AiTask>, ProblemHttpResult>> (
            CreateTaskRequest request, HttpContext http, TaskService service, CancellationToken cancellationToken) =>
        {
            var (task, refusal) = await service.CreateAsync(http.GetSubject(), request, cancellationToken).ConfigureAwait(false);
            return task is null ? refusal!.ToProblem() : TypedResults.Created($"{TaskApi.Prefix}/{task.Id}", task);
        }).WithName("CreateTask")
          .DocumentsProblem(StatusCodes.Status400BadRequest, ProblemCodes.TemplateNoTaskAgent, ProblemCodes.TemplateNotFound, ProblemCodes.InvalidParameters)
          .DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.WorkspaceExists, ProblemCodes.TemplateNoActiveVersion)
          .WithSummary("Creates a task and its workspace in one transaction, and queues the workspace's first build; the template version must declare a task agent.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Create);

        tasks.MapGet("/", static async Task<Results<Ok<AiTaskList>, ProblemHttpResult>> (
            int? limit, HttpContext http, TaskStore store, CancellationToken cancellationToken) =>
        {
            if (Paging.Check(limit, out var pageSize) is { } badLimit)
            {
                return badLimit;
            }

            var subject = http.GetSubject();
            // Owners (and others who read every workspace) see every task; members their own.
            var ownerId = subject.Can(ResourceType.Workspace, PermissionAction.Read) ? null : subject.UserId;
            var rows = await store.ListAsync(ownerId, pageSize, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new AiTaskList { Tasks = [.. rows.Select(r => r.Task)] });
        }).WithName("ListTasks").WithSummary("Tasks of live workspaces, newest first: the caller's, or everyone's for those who may read every workspace.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        tasks.MapGet("/{id:guid}", static async Task<Results<Ok<AiTask>, ProblemHttpResult>> (
            Guid id, HttpContext http, TaskService service, TaskStore store, CancellationToken cancellationToken) =>
        {
            var (row, refusal) = await service.FindAsync(http.GetSubject(), id, PermissionAction.Read, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return refusal!.ToProblem();
            }

            var last = await store.LastRunAsync(id, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(last is { } run ? row.Task with { LastRun = TaskRunOutcome.From(run.Sequence, run.Summary) } : row.Task);
        }).WithName("GetTask").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound).WithSummary("A task, with its status and how its last run ended (last_run).")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        tasks.MapDelete("/{id:guid}", static async Task<Results<Accepted<WorkspaceBuild>, ProblemHttpResult>> (
            Guid id, HttpContext http, TaskService service, CancellationToken cancellationToken) =>
        {
            var (build, refusal) = await service.DeleteAsync(http.GetSubject(), id, cancellationToken).ConfigureAwait(false);
            return build is null ? refusal!.ToProblem() : TypedResults.Accepted($"/api/v2/workspacebuilds/{build.Id}", build);
        }).WithName("DeleteTask").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound).DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.WorkspaceBusy)
          .WithSummary("Deletes the task's workspace (a delete build, answered with it); the task is deleted with the workspace when the build succeeds.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Delete);

        tasks.MapPost("/{id:guid}/send", static async Task<Results<Accepted<TaskMessage>, ProblemHttpResult>> (
            Guid id, SendTaskMessageRequest request, HttpContext http, TaskService service, CancellationToken cancellationToken) =>
        {
            var (message, refusal) = await service.SendAsync(http.GetSubject(), id, request.Content, cancellationToken).ConfigureAwait(false);
            return message is null ? refusal!.ToProblem() : TypedResults.Accepted((string?)null, message);
        }).WithName("SendTaskMessage").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("A follow-up message to the task's agent (its inbox delivers it).").RequirePermission(ResourceType.Workspace, PermissionAction.Update);

        tasks.MapPost("/{id:guid}/stop", static async Task<Results<Accepted<TaskMessage>, ProblemHttpResult>> (
            Guid id, HttpContext http, TaskService service, CancellationToken cancellationToken) =>
        {
            var (message, refusal) = await service.StopAsync(http.GetSubject(), id, cancellationToken).ConfigureAwait(false);
            return message is null ? refusal!.ToProblem() : TypedResults.Accepted((string?)null, message);
        }).WithName("StopTask").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("Asks the agent to stop its current run (a stop event in its inbox); the workspace keeps running.").RequirePermission(ResourceType.Workspace, PermissionAction.Update);

        tasks.MapGet("/{id:guid}/messages", static async Task<Results<Ok<TaskMessageList>, ProblemHttpResult>> (
            Guid id, long? after, int? limit, HttpContext http, TaskService service, TaskStore store, CancellationToken cancellationToken) =>
        {
            if (MessagePaging.Check(limit, out var pageSize) is { } badLimit)
            {
                return badLimit;
            }

            if (after is < 0)
            {
                return Problems.BadField("after", $"after must be a message sequence (0 or more), not {after}", ProblemCodes.ValidationFailed);
            }

            var (row, refusal) = await service.FindAsync(http.GetSubject(), id, PermissionAction.Read, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return refusal!.ToProblem();
            }

            var messages = await store.ListMessagesAsync(id, after ?? 0, pageSize, inbox: false, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new TaskMessageList { Messages = [.. messages.Select(m => m.Message)] });
        }).WithName("ListTaskMessages").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("The task's messages after a sequence, oldest first.").RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        tasks.MapGet("/{id:guid}/messages/stream", static async Task<IResult> (
            Guid id, long? after, HttpContext http, TaskService service, TaskStore store, IPubsub pubsub, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (TaskStreams.ResumePoint(after, http, out var resume) is { } bad)
            {
                return bad;
            }

            var (row, refusal) = await service.FindAsync(http.GetSubject(), id, PermissionAction.Read, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return refusal!.ToProblem();
            }

            var task = await pubsub.SubscribeAsync(TaskStore.Channel(id), cancellationToken).ConfigureAwait(false);
            var workspace = await pubsub.SubscribeAsync(JobEvents.WorkspaceChannel(row.Task.WorkspaceId), cancellationToken).ConfigureAwait(false);
            return ServerSentEventStream.CreateFromJson(TaskStreams.UserStreamAsync(store, task, workspace, id, resume, time, CancellationToken.None), time);
        }).WithName("StreamTaskMessages").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("SSE: status events (the task, whenever its status changes) and message events (id: the sequence) after after or Last-Event-ID; ends when the task is deleted.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        tasks.MapGet("/{id:guid}/export", static async Task<IResult> (
            Guid id, bool? sanitize, HttpContext http, TaskService service, TaskExporter exporter, CancellationToken cancellationToken) =>
        {
            var (row, refusal) = await service.FindAsync(http.GetSubject(), id, PermissionAction.Read, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return refusal!.ToProblem();
            }

            var sanitized = sanitize ?? false;
            var name = $"task-{id:N}{(sanitized ? "-sanitized" : string.Empty)}.json";
            return TypedResults.Stream(body => exporter.WriteAsync(row.Task, sanitized, body, http.RequestAborted), "application/json", name);
        }).WithName("ExportTask").DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound)
          .WithSummary("The task's export (docs/tasks.md): its messages with their run diagnostics, and every run summary and incident; with sanitize=true, no conversation content at all.")
          .RequirePermission(ResourceType.Workspace, PermissionAction.Read);

        routes.MapGet(AiSeatApi.Path, static async Task<Ok<AiSeatList>> (AiSeatStore seats, CancellationToken cancellationToken) =>
        {
            var list = await seats.ListAsync(cancellationToken).ConfigureAwait(false);
            AiSeatMetrics.SetInUse(list.Count);
            return TypedResults.Ok(new AiSeatList { Count = list.Count, Seats = list });
        }).WithTags("Tasks").WithName("ListAiSeats").WithSummary("AI seats in use (active users who used an AI feature), with their first and last recorded use; owners only.")
          .RequireAuthorization(CallerPolicies.User).RequirePermission(ResourceType.AiSeat, PermissionAction.Read);

        return routes;
    }
}
