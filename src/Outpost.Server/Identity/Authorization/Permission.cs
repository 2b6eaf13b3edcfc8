namespace Outpost.Server.Identity.Authorization;

/// <summary>The kinds of things the control plane protects.</summary>
internal enum ResourceType
{
    User,
    ApiKey,
    File,
    Template,
    TemplateVersion,
    Workspace,
    WorkspaceBuild,
    WorkspaceAgent,
    ProvisionerJob,
    ProvisionerDaemon,
    ProvisionerKey,
    DeploymentConfig,
    AiSeat,
}

internal enum PermissionAction
{
    Read,
    Create,
    Update,
    Delete,
}

/// <summary>Whether a permission covers every object, or only those the subject owns.</summary>
internal enum PermissionScope
{
    Own,
    All,
}

internal readonly record struct Permission(ResourceType Resource, PermissionAction Action, PermissionScope Scope = PermissionScope.All)
{
    public override string ToString() => $"{Resource}.{Action}({Scope})";
}
