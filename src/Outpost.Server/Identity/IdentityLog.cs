using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Identity;

/// <summary>Identity log events. Tokens, passwords and emails are never logged.</summary>
internal static partial class IdentityLog
{
    public const string Category = "Outpost.Server.Identity";

    [LoggerMessage(EventId = OutpostEventIds.Identity + 1, Level = LogLevel.Information, Message = "First user {UserId} ({Username}) created as owner")]
    public static partial void FirstUserCreated(ILogger logger, Guid userId, string username);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 2, Level = LogLevel.Information, Message = "User {UserId} ({Username}) created with role {Role} by {CreatedBy}")]
    public static partial void UserCreated(ILogger logger, Guid userId, string username, string role, Guid createdBy);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 3, Level = LogLevel.Information, Message = "User {UserId} logged in; session {SessionId}")]
    public static partial void LoginSucceeded(ILogger logger, Guid userId, Guid sessionId);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 4, Level = LogLevel.Information, Message = "Login refused ({Reason})")]
    public static partial void LoginFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 5, Level = LogLevel.Warning, Message = "Login rate limit reached ({Limit})")]
    public static partial void LoginRateLimited(ILogger logger, string limit);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 6, Level = LogLevel.Information, Message = "Session {SessionId} refreshed")]
    public static partial void SessionRefreshed(ILogger logger, Guid sessionId);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 7, Level = LogLevel.Warning, Message = "Refresh refused: {Reason}")]
    public static partial void RefreshRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 8, Level = LogLevel.Warning, Message = "A spent refresh token was presented again; its whole session was revoked (RFC 6819 reuse detection)")]
    public static partial void RefreshTokenReused(ILogger logger);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 9, Level = LogLevel.Information, Message = "Session {SessionId} of user {UserId} logged out")]
    public static partial void LoggedOut(ILogger logger, Guid sessionId, Guid userId);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 10, Level = LogLevel.Information, Message = "API token {TokenId} ({TokenName}) created for user {UserId}, expires {ExpiresAt}")]
    public static partial void ApiTokenCreated(ILogger logger, string tokenId, string tokenName, Guid userId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = OutpostEventIds.Identity + 11, Level = LogLevel.Information, Message = "API token {TokenIdOrName} of user {UserId} revoked")]
    public static partial void ApiTokenRevoked(ILogger logger, string tokenIdOrName, Guid userId);
}
