namespace Outpost.Server.Agents.Identity;

/// <summary>
/// What checking an instance identity document found: the instance id it proves, or why it proves nothing.
/// <see cref="Malformed"/> failures are the caller's input (400, naming the field); the others are a document
/// that does not check out (401).
/// </summary>
internal readonly record struct IdentityCheck(string? InstanceId, string? Failure, string? Field = null)
{
    public bool Malformed => Field is not null;

    public static IdentityCheck Proves(string instanceId) => new(instanceId, null);

    public static IdentityCheck Refused(string reason) => new(null, reason);

    public static IdentityCheck BadField(string field, string reason) => new(null, reason, field);
}
