using static Outpost.Server.Identity.Authorization.PermissionAction;
using static Outpost.Server.Identity.Authorization.PermissionScope;
using static Outpost.Server.Identity.Authorization.ResourceType;

namespace Outpost.Server.Identity.Authorization;

/// <summary>The user roles and what each may do.</summary>
internal static class Roles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string TemplateAdmin = "template-admin";
    public const string Member = "member";

    public static IReadOnlyList<string> All { get; } = [Owner, Admin, TemplateAdmin, Member];

    private static readonly Permission[] MemberPermissions =
    [
        new(User, Read, Own), new(User, Update, Own),
        new(ApiKey, Read, Own), new(ApiKey, Create, Own), new(ApiKey, Delete, Own),
        new(ResourceType.File, Create, Own), new(ResourceType.File, Read, Own),
        new(Template, Read), new(TemplateVersion, Read),
        new(Workspace, Read, Own), new(Workspace, Create, Own), new(Workspace, Update, Own), new(Workspace, Delete, Own),
        new(WorkspaceBuild, Read, Own), new(WorkspaceBuild, Create, Own),
        new(WorkspaceAgent, Read, Own),
        new(ProvisionerJob, Read, Own),
    ];

    private static readonly Permission[] TemplateAdminPermissions =
    [
        .. MemberPermissions,
        new(User, Read),
        new(ResourceType.File, Create), new(ResourceType.File, Read),
        new(Template, Create), new(Template, Update), new(Template, Delete),
        new(TemplateVersion, Create), new(TemplateVersion, Update),
        new(Workspace, Read), new(WorkspaceBuild, Read), new(ProvisionerJob, Read), new(ProvisionerDaemon, Read),
    ];

    private static readonly Permission[] AdminPermissions =
    [
        .. TemplateAdminPermissions,
        new(User, Create), new(User, Update), new(User, Delete),
        new(Workspace, Create), new(Workspace, Update), new(Workspace, Delete),
        new(WorkspaceBuild, Create), new(WorkspaceAgent, Read), new(ProvisionerJob, Update),
        new(ProvisionerKey, Read), new(ProvisionerKey, Create), new(ProvisionerKey, Delete),
        new(DeploymentConfig, Read),
    ];

    private static readonly Permission[] OwnerPermissions =
    [
        .. from resource in Enum.GetValues<ResourceType>()
           from action in Enum.GetValues<PermissionAction>()
           select new Permission(resource, action, PermissionScope.All),
        .. from resource in Enum.GetValues<ResourceType>()
           from action in Enum.GetValues<PermissionAction>()
           select new Permission(resource, action, Own),
    ];

    public static bool IsValid(string role) => All.Contains(role);

    public static IReadOnlyList<Permission> PermissionsOf(string role) => role switch
    {
        Owner => OwnerPermissions,
        Admin => AdminPermissions,
        TemplateAdmin => TemplateAdminPermissions,
        Member => MemberPermissions,
        _ => [],
    };

    /// <summary>Owners may grant any role; admins any but owner; nobody else may grant roles.</summary>
    public static bool MayGrant(string granterRole, string role) => granterRole switch
    {
        Owner => IsValid(role),
        Admin => IsValid(role) && role != Owner,
        _ => false,
    };

    public static Subject ForUser(Guid userId, string username, string role) => new(username, userId, PermissionsOf(role));
}
