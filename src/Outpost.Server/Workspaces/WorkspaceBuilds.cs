using Outpost.Sdk;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Templates;

namespace Outpost.Server.Workspaces;

/// <summary>
/// Workspace builds as a domain service: creating a workspace, start/stop/delete builds,
/// cancelling a build and resolving parameters. Every method checks the acting
/// <see cref="Subject"/>'s permissions and returns a value or a <see cref="BuildRefusal"/>; it knows
/// nothing of HTTP, so endpoints, the prebuild reconciler and workflows call the same code.
/// </summary>
internal sealed partial class WorkspaceBuilds(WorkspaceStore workspaces, TemplateStore templates, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(WorkspacesLog.Category);
    private readonly ILogger _prebuildsLogger = loggers.CreateLogger(Prebuilds.PrebuildsLog.Category);

    /// <summary>Creates a workspace for <paramref name="ownerId"/> (the actor itself when null) and queues its first start build.</summary>
    public Task<BuildResult<Workspace>> CreateWorkspaceAsync(Subject actor, CreateWorkspaceRequest request, Guid? ownerId, CancellationToken cancellationToken) =>
        CreateWorkspaceAsync(actor, request, ownerId, versionId: null, hook: null, cancellationToken);

    /// <summary>
    /// Creates a workspace from <paramref name="versionId"/> (the template's active version when null),
    /// running <paramref name="hook"/> in the creating transaction (tasks create their row there).
    /// </summary>
    public async Task<BuildResult<Workspace>> CreateWorkspaceAsync(
        Subject actor, CreateWorkspaceRequest request, Guid? ownerId, Guid? versionId, WorkspaceCreationHook? hook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var owner = ownerId ?? actor.UserId ?? throw new ArgumentException("a system actor must name the workspace's owner", nameof(ownerId));
        if (!actor.Can(ResourceType.Workspace, PermissionAction.Create, owner))
        {
            return new BuildRefusal(BuildRefusalKind.Forbidden, "you may not create workspaces for this user");
        }

        if (NameRules.Check(request.Name, NameRules.MaxWorkspaceName, "workspace") is { } invalid)
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, invalid);
        }

        var templateKey = request.TemplateId?.ToString() ?? request.TemplateName;
        if (string.IsNullOrEmpty(templateKey))
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, "name a template with template_id or template_name");
        }

        var (template, missing) = await templates.FindAsync(templateKey, cancellationToken).ConfigureAwait(false);
        if (template is null)
        {
            return new BuildRefusal(BuildRefusalKind.TemplateNotFound, missing!);
        }

        var (version, unusable) = await UsableVersionAsync(versionId ?? template.ActiveVersionId, template.Name, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return unusable!;
        }

        if (version.TemplateId != template.Id)
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, $"version {version.Id} belongs to another template than \"{template.Name}\"");
        }

        var (values, badParameters) = ResolveWithPreset(version, request);
        if (values is null)
        {
            return badParameters!;
        }

        var initiator = actor.UserId ?? owner;
        var build = new BuildRequest(version, WorkspaceTransition.Start, request.Reason, initiator, values) { PresetName = request.Preset };

        // A task's workspace is always built anew: a prebuild's agent was started without the task in its environment.
        if (hook is null && request.Preset is not null && await ClaimAsync(owner, request.Name, build, cancellationToken).ConfigureAwait(false) is { } claim)
        {
            return claim;
        }

        var (workspaceId, jobId, refusal, hookRefusal) = await workspaces.CreateAsync(owner, request.Name, build, hook, cancellationToken).ConfigureAwait(false);
        if (hookRefusal is not null)
        {
            return hookRefusal;
        }

        Count(build, refusal == EnqueueRefusal.None);
        if (refusal == EnqueueRefusal.NameTaken)
        {
            return new BuildRefusal(BuildRefusalKind.WorkspaceExists, $"you already have a workspace named \"{request.Name}\"; choose another name or delete that one first");
        }

        WorkspacesLog.WorkspaceCreated(_logger, workspaceId, request.Name, initiator, template.Name);
        WorkspacesLog.BuildQueued(_logger, 1, "start", WireName<BuildReason>.Name(request.Reason), workspaceId, jobId);
        var workspace = await workspaces.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false);
        return workspace!;
    }

    /// <summary>Queues a start, stop or delete build of a workspace; refused while another build is active.</summary>
    public async Task<BuildResult<WorkspaceBuild>> BuildAsync(Subject actor, Guid workspaceId, CreateWorkspaceBuildRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var workspace = await workspaces.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false);
        if (workspace is null || workspace.Deleted || !actor.Can(ResourceType.Workspace, PermissionAction.Read, workspace.OwnerId))
        {
            return new BuildRefusal(BuildRefusalKind.WorkspaceNotFound, $"there is no workspace {workspaceId}");
        }

        var action = request.Transition == WorkspaceTransition.Delete ? PermissionAction.Delete : PermissionAction.Update;
        if (!actor.Can(ResourceType.Workspace, action, workspace.OwnerId))
        {
            return new BuildRefusal(BuildRefusalKind.Forbidden, $"you may not {WireName<WorkspaceTransition>.Name(request.Transition)} workspace \"{workspace.Name}\"");
        }

        if (request.Transition != WorkspaceTransition.Start && request.Parameters.Count > 0)
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, "parameters can be given only to start builds");
        }

        // Start builds use the requested or the active version; stop and delete undo what the last build made.
        Guid? versionId = request.TemplateVersionId ?? workspace.LatestBuild.TemplateVersionId;
        if (request.Transition == WorkspaceTransition.Start && request.TemplateVersionId is null)
        {
            var (template, _) = await templates.FindAsync(workspace.TemplateId.ToString(), cancellationToken).ConfigureAwait(false);
            versionId = template?.ActiveVersionId;
        }

        var (version, unusable) = await UsableVersionAsync(versionId, workspace.TemplateName, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return unusable!;
        }

        if (version.TemplateId != workspace.TemplateId)
        {
            return new BuildRefusal(BuildRefusalKind.Invalid, $"version {version.Id} belongs to another template than workspace \"{workspace.Name}\"");
        }

        var (values, badParameters) = ResolveParameters(version, workspace.LatestBuild.Parameters, request.Parameters);
        if (values is null)
        {
            return badParameters!;
        }

        var build = new BuildRequest(version, request.Transition, request.Reason, actor.UserId ?? workspace.OwnerId, values);
        var (jobId, number, refusal, active) = await workspaces.EnqueueAsync(workspace.Id, build, cancellationToken).ConfigureAwait(false);
        Count(build, refusal == EnqueueRefusal.None);
        switch (refusal)
        {
            case EnqueueRefusal.WorkspaceGone:
                return new BuildRefusal(BuildRefusalKind.WorkspaceNotFound, $"workspace \"{workspace.Name}\" has been deleted");
            case EnqueueRefusal.BuildActive:
                WorkspacesLog.BuildRefused(_logger, workspace.Id, active!);
                return new BuildRefusal(BuildRefusalKind.WorkspaceBusy,
                    $"workspace \"{workspace.Name}\" is busy: {active}; wait for it to finish or cancel it (PATCH /api/v2/workspacebuilds/{{id}}/cancel)")
                {
                    ActiveBuildNumber = number,
                };
        }

        WorkspacesLog.BuildQueued(_logger, number, WireName<WorkspaceTransition>.Name(request.Transition), WireName<BuildReason>.Name(request.Reason), workspace.Id, jobId);
        var latest = await workspaces.GetAsync(workspace.Id, cancellationToken).ConfigureAwait(false);
        return latest!.LatestBuild;
    }

    /// <summary>Starts the workspace with its template's active version and its previous parameter values.</summary>
    public Task<BuildResult<WorkspaceBuild>> StartAsync(Subject actor, Guid workspaceId, BuildReason reason, CancellationToken cancellationToken) =>
        BuildAsync(actor, workspaceId, new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Start, Reason = reason }, cancellationToken);

    /// <summary>Stops the workspace.</summary>
    public Task<BuildResult<WorkspaceBuild>> StopAsync(Subject actor, Guid workspaceId, BuildReason reason, CancellationToken cancellationToken) =>
        BuildAsync(actor, workspaceId, new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Stop, Reason = reason }, cancellationToken);

    /// <summary>Deletes the workspace (a delete build; the workspace is marked deleted when it succeeds).</summary>
    public Task<BuildResult<WorkspaceBuild>> DeleteAsync(Subject actor, Guid workspaceId, BuildReason reason, CancellationToken cancellationToken) =>
        BuildAsync(actor, workspaceId, new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Delete, Reason = reason }, cancellationToken);

    /// <summary>Cancels a build: a pending one at once, a running one once its daemon notices (canceling).</summary>
    public async Task<BuildResult<WorkspaceBuild>> CancelAsync(Subject actor, Guid buildId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var (build, ownerId) = await workspaces.GetBuildAsync(buildId, cancellationToken).ConfigureAwait(false);
        if (build is null || !actor.Can(ResourceType.WorkspaceBuild, PermissionAction.Read, ownerId))
        {
            return new BuildRefusal(BuildRefusalKind.BuildNotFound, $"there is no build {buildId}");
        }

        if (!actor.Can(ResourceType.Workspace, PermissionAction.Update, ownerId))
        {
            return new BuildRefusal(BuildRefusalKind.Forbidden, "you may not cancel builds of this workspace");
        }

        var status = await workspaces.CancelAsync(build.Job.Id, cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            return new BuildRefusal(BuildRefusalKind.BuildNotCancelable,
                $"build #{build.BuildNumber} cannot be canceled: it is already {WireName<ProvisionerJobStatus>.Name(build.Job.Status)}");
        }

        WorkspacesLog.BuildCanceled(_logger, buildId, actor.UserId ?? Guid.Empty, WireName<ProvisionerJobStatus>.Name(status.Value));
        var (canceled, _) = await workspaces.GetBuildAsync(buildId, cancellationToken).ConfigureAwait(false);
        return canceled!;
    }

    /// <summary>The version a build would use, or why it cannot be built.</summary>
    public async Task<BuildResult<BuildableVersion>> UsableVersionAsync(Guid? versionId, string templateName, CancellationToken cancellationToken)
    {
        if (versionId is null)
        {
            return new BuildRefusal(BuildRefusalKind.NoActiveVersion, $"template \"{templateName}\" has no active version yet; push one with `outpost templates push {templateName}`");
        }

        var version = await templates.GetBuildableVersionAsync(versionId.Value, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return new BuildRefusal(BuildRefusalKind.VersionNotFound, $"there is no template version {versionId}");
        }

        if (version.ImportStatus != ProvisionerJobStatus.Succeeded)
        {
            return new BuildRefusal(BuildRefusalKind.VersionNotReady,
                $"version \"{version.Name}\" of template \"{version.TemplateName}\" cannot be built: its import is {WireName<ProvisionerJobStatus>.Name(version.ImportStatus)}; see `outpost templates versions {version.TemplateName}`");
        }

        return version;
    }

    /// <summary>Resolves parameter values against the version; the refusal names every problem (with suggestions for unknown names).</summary>
    public static BuildResult<IReadOnlyList<ParameterValue>> ResolveParameters(
        BuildableVersion version, IReadOnlyList<ParameterValue>? previous, IReadOnlyList<ParameterValue> supplied)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(supplied);
        var resolution = ParameterResolver.Resolve(
            version.Parameters,
            previous?.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
            [.. supplied.Select(p => new ParameterAssignment(p.Name, p.Value))]);
        if (!resolution.Succeeded)
        {
            return new BuildRefusal(BuildRefusalKind.InvalidParameters, string.Join("; ", resolution.Errors.Select(e => e.Message)));
        }

        return new BuildResult<IReadOnlyList<ParameterValue>>([.. resolution.Values.Select(v => new ParameterValue { Name = v.Name, Value = v.Value })], null);
    }

    private static void Count(BuildRequest request, bool success) =>
        QueueMetrics.BuildsEnqueued.Add(1,
            new KeyValuePair<string, object?>("provisioner_type", request.Version.Provisioner),
            new KeyValuePair<string, object?>("build_reason", WireName<BuildReason>.Name(request.Reason)),
            new KeyValuePair<string, object?>("transition", WireName<WorkspaceTransition>.Name(request.Transition)),
            new KeyValuePair<string, object?>("status", success ? "success" : "failed"));
}
