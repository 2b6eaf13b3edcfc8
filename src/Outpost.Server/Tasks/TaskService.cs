using System.Text;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Templates;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Tasks;

/// <summary>
/// Tasks as a domain service: creating a task with its workspace (one transaction, through
/// <see cref="WorkspaceBuilds"/>), follow-ups, stops and deletes. Knows nothing of HTTP; refusals are
/// <see cref="BuildRefusal"/>s, mapped by the endpoints.
/// </summary>
internal sealed class TaskService(TaskStore store, WorkspaceBuilds builds, TemplateStore templates, AiSeatTracker seats, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(TasksLog.Category);

    public async Task<BuildResult<AiTask>> CreateAsync(Subject actor, CreateTaskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (PromptProblem(request.Prompt, "prompt") is { } badPrompt)
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, badPrompt);
        }

        var owner = actor.UserId ?? throw new ArgumentException("a task is created by a user", nameof(actor));
        var (template, missing) = await templates.FindAsync(request.Template, cancellationToken).ConfigureAwait(false);
        if (template is null)
        {
            return new BuildRefusal(BuildRefusalKind.TemplateNotFound, missing!);
        }

        var versionId = request.TemplateVersionId ?? template.ActiveVersionId;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.Preset is { } presetName)
        {
            var version = versionId is null ? null : await templates.GetVersionAsync(versionId.Value, cancellationToken).ConfigureAwait(false);
            var preset = version?.Presets.FirstOrDefault(p => p.Name == presetName);
            if (preset is null)
            {
                var names = version?.Presets.Select(p => p.Name).ToList() ?? [];
                return new BuildRefusal(BuildRefusalKind.Invalid, names.Count == 0
                    ? $"template \"{template.Name}\" has no presets; leave preset out"
                    : $"template \"{template.Name}\" has no preset \"{presetName}\"; use one of {string.Join(", ", names)}");
            }

            foreach (var (name, value) in preset.Parameters)
            {
                parameters[name] = value;
            }
        }

        foreach (var (name, value) in request.Parameters ?? new Dictionary<string, string>())
        {
            parameters[name] = value;
        }

        var taskId = Guid.CreateVersion7(time.GetUtcNow());
        var workspaceName = request.Name ?? NameFor(request.Prompt, taskId);
        var workspaceRequest = new CreateWorkspaceRequest
        {
            Name = workspaceName,
            TemplateId = template.Id,
            Parameters = [.. parameters.Select(p => new ParameterValue { Name = p.Key, Value = p.Value })],
        };
        var (workspace, refusal) = await builds.CreateWorkspaceAsync(actor, workspaceRequest, owner, versionId, async (transaction, workspaceId, version, ct) =>
        {
            if (!await TemplateStore.HasTaskAgentAsync(transaction, version.Id, ct).ConfigureAwait(false))
            {
                TasksLog.NoTaskAgent(_logger, taskId, template.Name);
                return new BuildRefusal(BuildRefusalKind.NoTaskAgent,
                    $"template \"{template.Name}\" (version \"{version.Name}\") declares no task agent, so it cannot run tasks: add a \"task:\" block naming the agent to its outpost.yaml (task: {{agent: main}}), or an outpost_ai_task resource to its Terraform, and push a new version");
            }

            await TaskStore.InsertAsync(transaction, taskId, owner, workspaceId, request.Prompt, time.GetUtcNow(), ct).ConfigureAwait(false);
            return null;
        }, cancellationToken).ConfigureAwait(false);
        if (workspace is null)
        {
            return refusal!;
        }

        TasksLog.TaskCreated(_logger, taskId, owner, workspace.Id, template.Name);
        await seats.RecordUsageAsync(owner, AiSeatUsage.Task, $"created task {taskId}", cancellationToken).ConfigureAwait(false);
        var created = await store.GetAsync(taskId, cancellationToken).ConfigureAwait(false);
        return created!.Task;
    }

    /// <summary>The task when the actor may read it; a refusal that does not tell a hidden task from a missing one otherwise.</summary>
    public async Task<BuildResult<TaskRow>> FindAsync(Subject actor, Guid taskId, PermissionAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var row = await store.GetAsync(taskId, cancellationToken).ConfigureAwait(false);
        if (row is null || !actor.Can(ResourceType.Workspace, PermissionAction.Read, row.Task.OwnerId))
        {
            return new BuildRefusal(BuildRefusalKind.TaskNotFound, $"there is no task {taskId}");
        }

        if (action != PermissionAction.Read && !actor.Can(ResourceType.Workspace, action, row.Task.OwnerId))
        {
            return new BuildRefusal(BuildRefusalKind.Forbidden, $"you may not {action.ToString().ToLowerInvariant()} task {taskId} of {row.Task.OwnerName}");
        }

        return row;
    }

    /// <summary>A follow-up message from the user, delivered to the agent's inbox.</summary>
    public async Task<BuildResult<TaskMessage>> SendAsync(Subject actor, Guid taskId, string content, CancellationToken cancellationToken)
    {
        if (PromptProblem(content, "content") is { } bad)
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, bad);
        }

        var (row, refusal) = await FindAsync(actor, taskId, PermissionAction.Update, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return refusal!;
        }

        var stored = await store.AppendAsync(taskId, [new NewTaskMessage { Kind = TaskMessageKind.User, Content = content }], null, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new BuildRefusal(BuildRefusalKind.TaskNotFound, $"task {taskId} has been deleted");
        }

        TasksLog.MessageSent(_logger, taskId, stored[0].Sequence, actor.UserId ?? Guid.Empty);
        if (actor.UserId is { } user)
        {
            await seats.RecordUsageAsync(user, AiSeatUsage.Task, $"sent a message to task {taskId}", cancellationToken).ConfigureAwait(false);
        }

        return stored[0];
    }

    /// <summary>Asks the agent to stop its current run: a <c>stop</c> event in its inbox, and a status line in the log.</summary>
    public async Task<BuildResult<TaskMessage>> StopAsync(Subject actor, Guid taskId, CancellationToken cancellationToken)
    {
        var (row, refusal) = await FindAsync(actor, taskId, PermissionAction.Update, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return refusal!;
        }

        var stored = await store.AppendAsync(taskId, [new NewTaskMessage { Kind = TaskMessageKind.Status, Content = "stop requested" }], StopEvent, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new BuildRefusal(BuildRefusalKind.TaskNotFound, $"task {taskId} has been deleted");
        }

        TasksLog.StopRequested(_logger, taskId, actor.UserId ?? Guid.Empty);
        return stored[0];
    }

    /// <summary>Deletes the task's workspace (a delete build); the task is deleted when that build succeeds.</summary>
    public async Task<BuildResult<WorkspaceBuild>> DeleteAsync(Subject actor, Guid taskId, CancellationToken cancellationToken)
    {
        var (row, refusal) = await FindAsync(actor, taskId, PermissionAction.Delete, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return refusal!;
        }

        var (build, buildRefusal) = await builds.DeleteAsync(actor, row.Task.WorkspaceId, BuildReason.Initiator, cancellationToken).ConfigureAwait(false);
        if (build is null)
        {
            return buildRefusal!;
        }

        TasksLog.DeleteRequested(_logger, taskId, actor.UserId ?? Guid.Empty, row.Task.WorkspaceId, build.BuildNumber);
        return build;
    }

    /// <summary>The inbox event of a stop request.</summary>
    public const string StopEvent = "stop";

    private static string? PromptProblem(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? $"{field} is required: say what the agent should do"
        : text.Length > TaskApi.MaxPromptLength ? $"{field} is {text.Length} characters long; the limit is {TaskApi.MaxPromptLength}"
        : null;

    /// <summary>A workspace name from the prompt's first words and the task id's last hex digits: "task-fix-the-login-3f9a".</summary>
    internal static string NameFor(string prompt, Guid taskId)
    {
        var suffix = taskId.ToString("N")[^4..];
        var slug = new StringBuilder("task");
        var pendingHyphen = true;
        foreach (var c in prompt.ToLowerInvariant())
        {
            if (slug.Length >= 32 - suffix.Length - 2)
            {
                break;
            }

            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                if (pendingHyphen)
                {
                    slug.Append('-');
                    pendingHyphen = false;
                }

                slug.Append(c);
            }
            else
            {
                pendingHyphen = true;
            }
        }

        return $"{slug.ToString().TrimEnd('-')}-{suffix}";
    }
}
