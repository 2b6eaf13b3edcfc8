using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Identity.Authentication;

/// <summary>The claim types the token handler issues, and how endpoints read them back.</summary>
internal static class IdentityClaims
{
    public const string UserId = "outpost:user_id";
    public const string Username = "outpost:username";
    public const string Role = "outpost:role";
    public const string SessionId = "outpost:session_id";
    public const string KeyId = "outpost:key_id";
    public const string KeyKind = "outpost:key_kind";
    public const string ExpiresAt = "outpost:expires_at";
    public const string AgentId = "outpost:agent_id";
    public const string WorkspaceId = "outpost:workspace_id";
    public const string ProvisionerKeyName = "outpost:provisioner_key_name";

    public static Guid GetUserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(UserId) ?? throw new InvalidOperationException("The request is not authenticated."), CultureInfo.InvariantCulture);

    public static Guid? GetSessionId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(SessionId) is { } value ? Guid.Parse(value, CultureInfo.InvariantCulture) : null;

    /// <summary>The principal of a user's authenticated key (an access token, or an API token) under a scheme.</summary>
    internal static ClaimsPrincipal Principal(Tokens.AuthenticatedKey key, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(UserId, key.UserId.ToString()),
        new Claim(Username, key.Username),
        new Claim(Role, key.Role),
        new Claim(KeyId, key.KeyId),
        new Claim(KeyKind, key.Kind),
        new Claim(ExpiresAt, key.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        .. key.SessionId is { } sessionId ? [new Claim(SessionId, sessionId.ToString())] : Array.Empty<Claim>(),
    ], scheme, Username, Role));

    /// <summary>The acting subject with its role's permissions.</summary>
    public static Subject GetSubject(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        return Roles.ForUser(user.GetUserId(), user.FindFirstValue(Username)!, user.FindFirstValue(Role)!);
    }
}
