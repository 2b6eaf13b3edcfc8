using System.Text.Json.Serialization;

namespace Outpost.Cli.Sessions;

/// <summary>What <c>outpost login</c> remembers about a deployment, in the session file (mode 0600).</summary>
internal sealed record StoredSession
{
    public const string PasswordKind = "password";
    public const string TokenKind = "token";

    public required string Url { get; init; }

    /// <summary><c>password</c> (access + refresh token) or <c>token</c> (an API token given with --token).</summary>
    public required string Kind { get; init; }

    public string? Email { get; init; }

    public string? Username { get; init; }

    public required string AccessToken { get; init; }

    /// <summary>Computed on this machine from the server's relative <c>expires_in</c>, so clock skew does not matter.</summary>
    public DateTimeOffset? AccessExpiresAt { get; init; }

    public string? RefreshToken { get; init; }

    public DateTimeOffset? RefreshExpiresAt { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredSession))]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
