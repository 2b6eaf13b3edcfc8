using System.Security.Cryptography;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Prebuilds;
using Outpost.Server.Templates;

namespace Outpost.Server.Workspaces;

/// <summary>Presets, claims of prebuilt workspaces, and the reconciler's creations and deletions (docs/prebuilds.md).</summary>
internal sealed partial class WorkspaceBuilds
{
    /// <summary>
    /// The parameter values to resolve: the preset's, then the request's for the parameters the preset
    /// leaves open. A request that sets a preset's parameter to another value is refused (a claimed
    /// prebuild was built with the preset's).
    /// </summary>
    private static BuildResult<IReadOnlyList<ParameterValue>> WithPreset(BuildableVersion version, CreateWorkspaceRequest request)
    {
        if (request.Preset is null)
        {
            return new BuildResult<IReadOnlyList<ParameterValue>>(request.Parameters, null);
        }

        if (version.Presets.FirstOrDefault(p => p.Name == request.Preset) is not { } preset)
        {
            var known = version.Presets.Count == 0 ? "it declares none" : "it declares " + string.Join(", ", version.Presets.Select(p => $"\"{p.Name}\""));
            return new BuildRefusal(BuildRefusalKind.PresetNotFound,
                $"preset: version \"{version.Name}\" of template \"{version.TemplateName}\" has no preset \"{request.Preset}\"; {known}");
        }

        if (request.Parameters.FirstOrDefault(p => preset.Parameters.TryGetValue(p.Name, out var fixedValue) && fixedValue != p.Value) is { } conflict)
        {
            return new BuildRefusal(BuildRefusalKind.InvalidParameters,
                $"parameter \"{conflict.Name}\" is set to \"{preset.Parameters[conflict.Name]}\" by preset \"{preset.Name}\"; leave it out or pick another preset");
        }

        return new BuildResult<IReadOnlyList<ParameterValue>>(
            [.. preset.Parameters.Select(p => new ParameterValue { Name = p.Key, Value = p.Value }),
             .. request.Parameters.Where(p => !preset.Parameters.ContainsKey(p.Name))], null);
    }

    /// <summary>A new workspace's parameter values: the preset's (if any) and the request's, resolved against the version.</summary>
    private static BuildResult<IReadOnlyList<ParameterValue>> ResolveWithPreset(BuildableVersion version, CreateWorkspaceRequest request)
    {
        var (supplied, presetRefusal) = WithPreset(version, request);
        return supplied is null ? presetRefusal! : ResolveParameters(version, null, supplied);
    }

    /// <summary>
    /// Claims a ready prebuilt workspace of the build's version and preset for <paramref name="owner"/>:
    /// null when there is none (or a reconciler deletion won the race), so the caller builds a new one.
    /// </summary>
    private async Task<BuildResult<Workspace>?> ClaimAsync(Guid owner, string name, BuildRequest build, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var claimed = await workspaces.ClaimPrebuildAsync(owner, name, build with { Stage = PrebuildStage.Claim }, cancellationToken).ConfigureAwait(false);
        if (claimed is not { } claim)
        {
            PrebuildsLog.NothingToClaim(_prebuildsLogger, build.Version.TemplateName, build.PresetName!);
            return null;
        }

        if (claim.Refusal == EnqueueRefusal.NameTaken)
        {
            return new BuildRefusal(BuildRefusalKind.WorkspaceExists, $"you already have a workspace named \"{name}\"; choose another name or delete that one first");
        }

        Count(build, success: true);
        PrebuildsLog.Claimed(_prebuildsLogger, claim.WorkspaceId, name, owner, build.Version.TemplateName, build.PresetName!, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var workspace = await workspaces.GetAsync(claim.WorkspaceId, cancellationToken).ConfigureAwait(false);
        WorkspacesLog.BuildQueued(_logger, workspace!.LatestBuild.BuildNumber, "start", WireName<BuildReason>.Name(build.Reason), claim.WorkspaceId, claim.JobId);
        return workspace;
    }

    /// <summary>The reconciler's creation: a prebuilt workspace of a preset, owned and initiated by the prebuilds user.</summary>
    public async Task<BuildResult<Workspace>> CreatePrebuildAsync(Subject actor, Guid versionId, string presetName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Can(ResourceType.Workspace, PermissionAction.Create, PrebuiltWorkspaces.SystemUserId))
        {
            return new BuildRefusal(BuildRefusalKind.Forbidden, "only the prebuild reconciler creates prebuilt workspaces");
        }

        var (version, unusable) = await UsableVersionAsync(versionId, versionId.ToString(), cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return unusable!;
        }

        var request = new CreateWorkspaceRequest { Name = "prebuild-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)), Preset = presetName };
        var (values, badParameters) = ResolveWithPreset(version, request);
        if (values is null)
        {
            return badParameters!;
        }

        var build = new BuildRequest(version, WorkspaceTransition.Start, BuildReason.Initiator, PrebuiltWorkspaces.SystemUserId, values)
        {
            PresetName = presetName,
            Stage = PrebuildStage.Create,
        };
        var (workspaceId, jobId, refusal, _) = await workspaces.CreateAsync(PrebuiltWorkspaces.SystemUserId, request.Name, build, hook: null, cancellationToken).ConfigureAwait(false);
        Count(build, refusal == EnqueueRefusal.None);
        if (refusal != EnqueueRefusal.None)
        {
            return new BuildRefusal(BuildRefusalKind.WorkspaceExists, $"the prebuild name \"{request.Name}\" is taken");
        }

        WorkspacesLog.WorkspaceCreated(_logger, workspaceId, request.Name, PrebuiltWorkspaces.SystemUserId, version.TemplateName);
        WorkspacesLog.BuildQueued(_logger, 1, "start", "prebuild", workspaceId, jobId);
        return (await workspaces.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The reconciler's deletion: queued only while the workspace is still the prebuilds user's (a claim may have won).</summary>
    public async Task<BuildResult<WorkspaceBuild>> DeletePrebuildAsync(Subject actor, Guid workspaceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Can(ResourceType.Workspace, PermissionAction.Delete, PrebuiltWorkspaces.SystemUserId))
        {
            return new BuildRefusal(BuildRefusalKind.Forbidden, "only the prebuild reconciler deletes prebuilt workspaces");
        }

        var workspace = await workspaces.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false);
        if (workspace is null || workspace.Deleted || workspace.OwnerId != PrebuiltWorkspaces.SystemUserId)
        {
            return new BuildRefusal(BuildRefusalKind.WorkspaceNotFound, $"there is no prebuilt workspace {workspaceId}");
        }

        var (version, unusable) = await UsableVersionAsync(workspace.LatestBuild.TemplateVersionId, workspace.TemplateName, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return unusable!;
        }

        var build = new BuildRequest(version, WorkspaceTransition.Delete, BuildReason.Initiator, PrebuiltWorkspaces.SystemUserId, workspace.LatestBuild.Parameters);
        var (jobId, number, refusal, active) = await workspaces.EnqueueAsync(workspaceId, build, cancellationToken, expectedOwner: PrebuiltWorkspaces.SystemUserId).ConfigureAwait(false);
        Count(build, refusal == EnqueueRefusal.None);
        switch (refusal)
        {
            case EnqueueRefusal.WorkspaceGone:
                return new BuildRefusal(BuildRefusalKind.WorkspaceNotFound, $"prebuilt workspace {workspaceId} was claimed or deleted");
            case EnqueueRefusal.BuildActive:
                return new BuildRefusal(BuildRefusalKind.WorkspaceBusy, $"prebuilt workspace {workspaceId} is busy: {active}") { ActiveBuildNumber = number };
        }

        WorkspacesLog.BuildQueued(_logger, number, "delete", "prebuild", workspaceId, jobId);
        return (await workspaces.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false))!.LatestBuild;
    }
}
