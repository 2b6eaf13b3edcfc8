namespace Outpost.Sdk.Users;

/// <summary>A user as the API shows it; never carries credentials.</summary>
public sealed record User
{
    /// <summary>The user's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The unique login name (letters, digits and single hyphens).</summary>
    public required string Username { get; init; }

    /// <summary>The unique email address used to log in.</summary>
    public required string Email { get; init; }

    /// <summary>Display name; may be empty.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>One of <c>owner</c>, <c>admin</c>, <c>template-admin</c>, <c>member</c>.</summary>
    public required string Role { get; init; }

    /// <summary><c>active</c> or <c>suspended</c>.</summary>
    public required string Status { get; init; }

    /// <summary>When the user was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The body of <c>POST /api/v2/users/first</c> and <c>POST /api/v2/users</c>.</summary>
public sealed record CreateUserRequest
{
    /// <summary>The login email.</summary>
    public required string Email { get; init; }

    /// <summary>The unique login name.</summary>
    public required string Username { get; init; }

    /// <summary>The password (8 to 256 characters).</summary>
    public required string Password { get; init; }

    /// <summary>Display name.</summary>
    public string? Name { get; init; }

    /// <summary>The role to grant; ignored for the first user, who is always <c>owner</c>. Default <c>member</c>.</summary>
    public string? Role { get; init; }
}

/// <summary>The body of <c>POST /api/v2/users/login</c>.</summary>
public sealed record LoginRequest
{
    /// <summary>The login email.</summary>
    public required string Email { get; init; }

    /// <summary>The password.</summary>
    public required string Password { get; init; }
}

/// <summary>
/// The answer to a password login: a short-lived access token and a refresh token that rotates on
/// every use (exchange it at <c>POST /oauth2/token</c>).
/// </summary>
public sealed record LoginResponse
{
    /// <summary>Bearer token for API requests.</summary>
    public required string AccessToken { get; init; }

    /// <summary>Always <c>Bearer</c>.</summary>
    public string TokenType { get; init; } = "Bearer";

    /// <summary>Seconds until the access token expires, counted from the response (clock-skew safe).</summary>
    public required long ExpiresIn { get; init; }

    /// <summary>Single-use token for obtaining the next access token.</summary>
    public required string RefreshToken { get; init; }

    /// <summary>Seconds until the refresh token expires.</summary>
    public required long RefreshExpiresIn { get; init; }

    /// <summary>The user who logged in.</summary>
    public required User User { get; init; }
}

/// <summary>The JSON answer of the OAuth 2.0 token endpoint (RFC 6749 §5.1).</summary>
public sealed record OAuth2TokenResponse
{
    /// <summary>The new access token.</summary>
    public required string AccessToken { get; init; }

    /// <summary>Always <c>Bearer</c>.</summary>
    public string TokenType { get; init; } = "Bearer";

    /// <summary>Seconds until the access token expires.</summary>
    public required long ExpiresIn { get; init; }

    /// <summary>The rotated refresh token; the presented one is now spent.</summary>
    public required string RefreshToken { get; init; }
}

/// <summary>An OAuth 2.0 error answer (RFC 6749 §5.2), e.g. <c>invalid_grant</c>.</summary>
public sealed record OAuth2ErrorResponse
{
    /// <summary>The RFC 6749 error code.</summary>
    public required string Error { get; init; }

    /// <summary>A sentence a person can act on.</summary>
    public string? ErrorDescription { get; init; }
}

/// <summary>The body of <c>POST /api/v2/users/me/keys/tokens</c>.</summary>
public sealed record CreateTokenRequest
{
    /// <summary>A unique name for the token among the user's tokens.</summary>
    public required string TokenName { get; init; }

    /// <summary>Lifetime in seconds; default 30 days, at most 365 days.</summary>
    public long? LifetimeSeconds { get; init; }
}

/// <summary>A newly created API token; the only time its secret is shown.</summary>
public sealed record CreateTokenResponse
{
    /// <summary>The token to send as a bearer token.</summary>
    public required string Key { get; init; }

    /// <summary>The token's metadata.</summary>
    public required ApiToken Token { get; init; }
}

/// <summary>An API token's metadata, as listed; never the secret.</summary>
public sealed record ApiToken
{
    /// <summary>The public id part of the token.</summary>
    public required string Id { get; init; }

    /// <summary>The token's name.</summary>
    public required string TokenName { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops working.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>When it was last used, to the minute; null if never.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
}
