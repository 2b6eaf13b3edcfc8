namespace Outpost.Server.Identity.Authorization;

/// <summary>
/// Who is acting: a signed-in user (with a role) or one of the named system actors. Every data
/// access is checked against the subject's permissions; there is no "act as system" bypass.
/// </summary>
internal sealed record Subject
{
    private readonly HashSet<Permission> _permissions;

    public Subject(string name, Guid? userId, IEnumerable<Permission> permissions)
    {
        Name = name;
        UserId = userId;
        _permissions = [.. permissions];
    }

    /// <summary>The user's username, or the system actor's name (for logs and audit).</summary>
    public string Name { get; }

    /// <summary>The user's id; null for system actors.</summary>
    public Guid? UserId { get; }

    public IReadOnlyCollection<Permission> Permissions => _permissions;

    /// <summary>True when the subject may act on an object owned by <paramref name="ownerId"/> (null: no owner, or any).</summary>
    public bool Can(ResourceType resource, PermissionAction action, Guid? ownerId = null)
    {
        if (_permissions.Contains(new Permission(resource, action, PermissionScope.All)))
        {
            return true;
        }

        return ownerId is not null && UserId == ownerId && _permissions.Contains(new Permission(resource, action, PermissionScope.Own));
    }

    /// <summary>True when the subject holds the permission on at least its own objects.</summary>
    public bool CanAtLeastOwn(ResourceType resource, PermissionAction action) =>
        _permissions.Contains(new Permission(resource, action, PermissionScope.All))
        || _permissions.Contains(new Permission(resource, action, PermissionScope.Own));
}
