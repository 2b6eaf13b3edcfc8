using static Outpost.Server.Identity.Authorization.PermissionAction;
using static Outpost.Server.Identity.Authorization.ResourceType;

namespace Outpost.Server.Identity.Authorization;

/// <summary>
/// The named actors that internal work runs as. Each holds only what its job needs (seed 003:
/// purpose-built actors instead of one over-broad "system" subject), so a bug in one of them
/// cannot reach data the job never touches.
/// </summary>
internal static class SystemActors
{
    /// <summary>Provisioner daemons: acquire and complete jobs, read the template files and the workspace being built, record its agents.</summary>
    public static Subject Provisionerd { get; } = new("system:provisionerd", null,
    [
        new(ProvisionerJob, Read), new(ProvisionerJob, Update),
        new(ResourceType.File, Read),
        new(TemplateVersion, Read), new(TemplateVersion, Update),
        new(Workspace, Read),
        new(WorkspaceBuild, Read), new(WorkspaceBuild, Update),
        new(WorkspaceAgent, Create),
    ]);

    /// <summary>The job reaper: finds hung or stale jobs and fails them.</summary>
    public static Subject JobReaper { get; } = new("system:job-reaper", null,
    [
        new(ProvisionerJob, Read), new(ProvisionerJob, Update),
    ]);

    /// <summary>The prebuild reconciler: reads templates and creates or deletes prebuilt workspaces.</summary>
    public static Subject PrebuildReconciler { get; } = new("system:prebuild-reconciler", null,
    [
        new(Template, Read), new(TemplateVersion, Read),
        new(Workspace, Read), new(Workspace, Create), new(Workspace, Delete),
        new(WorkspaceBuild, Read), new(WorkspaceBuild, Create),
    ]);

    /// <summary>Building an agent's manifest: the agent, its workspace and the workspace owner's name.</summary>
    public static Subject AgentManifest { get; } = new("system:agent-manifest", null,
    [
        new(WorkspaceAgent, Read), new(Workspace, Read), new(User, Read),
    ]);

    public static IReadOnlyList<Subject> All { get; } = [Provisionerd, JobReaper, PrebuildReconciler, AgentManifest];
}
