using Npgsql;

namespace Outpost.Server.Identity.Tokens;

/// <summary>Why a presented token does not authenticate; shown to the caller in the 401.</summary>
internal enum TokenRejection
{
    None,
    Malformed,
    Unknown,
    Expired,
    Revoked,
    WrongKind,
    UserSuspended,
}

/// <summary>A token that authenticated, with what the request needs about its user.</summary>
internal sealed record AuthenticatedKey(string KeyId, string Kind, Guid UserId, string Username, string Role, Guid? SessionId, DateTimeOffset ExpiresAt);

/// <summary>A freshly minted access/refresh pair.</summary>
internal sealed record SessionTokens(Guid SessionId, OpaqueToken Access, DateTimeOffset AccessExpiresAt, OpaqueToken Refresh, DateTimeOffset RefreshExpiresAt);

/// <summary>The outcome of a refresh-token exchange.</summary>
internal sealed record RefreshOutcome(SessionTokens? Tokens, string? Error, bool ReuseDetected = false);

/// <summary>An API token row as listed.</summary>
internal sealed record ApiTokenRecord(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>SQL for sessions, access and refresh tokens, and API tokens.</summary>
internal sealed partial class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string KindAccess = "access";
    public const string KindRefresh = "refresh";
    public const string KindToken = "token";

    // last_used_at is advisory; writing it on every request would turn reads into writes.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<SessionTokens> CreateSessionAsync(Guid userId, TimeSpan accessLifetime, TimeSpan refreshLifetime, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sessionId = Guid.CreateVersion7(now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var session = new NpgsqlCommand("INSERT INTO user_sessions (id, user_id, created_at) VALUES ($1, $2, $3)", connection, transaction))
        {
            session.Parameters.Add(new() { Value = sessionId });
            session.Parameters.Add(new() { Value = userId });
            session.Parameters.Add(new() { Value = now });
            await session.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var tokens = await MintPairAsync(connection, transaction, userId, sessionId, now, accessLifetime, refreshLifetime, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return tokens;
    }

    /// <summary>Checks a bearer token; one query, plus an occasional last-used write.</summary>
    public async Task<(AuthenticatedKey? Key, TokenRejection Rejection)> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.TryParse(presented, out var token))
        {
            return (null, TokenRejection.Malformed);
        }

        await using var command = dataSource.CreateCommand("""
            SELECT k.hashed_secret, k.kind, k.user_id, k.session_id, k.expires_at, k.revoked_at, k.last_used_at,
                   s.revoked_at, u.username, u.role, u.status
            FROM api_keys k
            JOIN users u ON u.id = k.user_id
            LEFT JOIN user_sessions s ON s.id = k.session_id
            WHERE k.id = $1
            """);
        command.Parameters.Add(new() { Value = token.Id });
        AuthenticatedKey key;
        DateTimeOffset? lastUsed;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || !token.Matches(reader.GetFieldValue<byte[]>(0)))
            {
                return (null, TokenRejection.Unknown);
            }

            var kind = reader.GetString(1);
            if (kind == KindRefresh)
            {
                return (null, TokenRejection.WrongKind);
            }

            if (!reader.IsDBNull(5) || !reader.IsDBNull(7))
            {
                return (null, TokenRejection.Revoked);
            }

            var expiresAt = reader.GetFieldValue<DateTimeOffset>(4);
            if (expiresAt <= time.GetUtcNow())
            {
                return (null, TokenRejection.Expired);
            }

            if (reader.GetString(10) != "active")
            {
                return (null, TokenRejection.UserSuspended);
            }

            lastUsed = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6);
            key = new AuthenticatedKey(token.Id, kind, reader.GetGuid(2), reader.GetString(8), reader.GetString(9),
                reader.IsDBNull(3) ? null : reader.GetGuid(3), expiresAt);
        }

        var now = time.GetUtcNow();
        if (lastUsed is null || now - lastUsed.Value >= LastUsedResolution)
        {
            await using var touch = dataSource.CreateCommand("UPDATE api_keys SET last_used_at = $2 WHERE id = $1");
            touch.Parameters.Add(new() { Value = token.Id });
            touch.Parameters.Add(new() { Value = now });
            await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return (key, TokenRejection.None);
    }

    /// <summary>
    /// Exchanges a refresh token for a new pair. The presented token is spent; presenting a spent
    /// token again means it leaked (RFC 6819 §5.2.2.3), so the whole session is revoked.
    /// </summary>
    public async Task<RefreshOutcome> RefreshAsync(string presented, TimeSpan accessLifetime, TimeSpan refreshLifetime, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.TryParse(presented, out var token))
        {
            return new RefreshOutcome(null, "the refresh token is malformed");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Locking both rows serializes a refresh with a concurrent refresh of the same token and
        // with a logout of the same session.
        await using var select = new NpgsqlCommand("""
            SELECT k.hashed_secret, k.kind, k.user_id, k.session_id, k.expires_at, k.used_at, k.revoked_at, s.revoked_at, u.status
            FROM api_keys k
            JOIN user_sessions s ON s.id = k.session_id
            JOIN users u ON u.id = k.user_id
            WHERE k.id = $1
            FOR UPDATE OF k, s
            """, connection, transaction);
        select.Parameters.Add(new() { Value = token.Id });
        Guid userId, sessionId;
        bool alreadyUsed;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || !token.Matches(reader.GetFieldValue<byte[]>(0)) || reader.GetString(1) != KindRefresh)
            {
                return new RefreshOutcome(null, "the refresh token is not valid");
            }

            if (!reader.IsDBNull(7) || !reader.IsDBNull(6))
            {
                return new RefreshOutcome(null, "the session has been revoked; log in again");
            }

            if (reader.GetString(8) != "active")
            {
                return new RefreshOutcome(null, "the user is suspended");
            }

            userId = reader.GetGuid(2);
            sessionId = reader.GetGuid(3);
            alreadyUsed = !reader.IsDBNull(5);
            if (!alreadyUsed && reader.GetFieldValue<DateTimeOffset>(4) <= time.GetUtcNow())
            {
                return new RefreshOutcome(null, "the refresh token has expired; log in again");
            }
        }

        var now = time.GetUtcNow();
        if (alreadyUsed)
        {
            await RevokeSessionAsync(connection, transaction, sessionId, "refresh_token_reuse", now, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new RefreshOutcome(null, "the refresh token was already used, so the session has been revoked; log in again", ReuseDetected: true);
        }

        await using (var spend = new NpgsqlCommand("UPDATE api_keys SET used_at = $2 WHERE id = $1", connection, transaction))
        {
            spend.Parameters.Add(new() { Value = token.Id });
            spend.Parameters.Add(new() { Value = now });
            await spend.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var tokens = await MintPairAsync(connection, transaction, userId, sessionId, now, accessLifetime, refreshLifetime, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RefreshOutcome(tokens, null);
    }

    public async Task<bool> RevokeSessionAsync(Guid sessionId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await RevokeSessionAsync(connection, null, sessionId, reason, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> RevokeSessionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid sessionId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var revoke = new NpgsqlCommand(
            "UPDATE user_sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL", connection, transaction);
        revoke.Parameters.Add(new() { Value = sessionId });
        revoke.Parameters.Add(new() { Value = now });
        revoke.Parameters.Add(new() { Value = reason });
        return await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static async Task<SessionTokens> MintPairAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid sessionId, DateTimeOffset now,
        TimeSpan accessLifetime, TimeSpan refreshLifetime, CancellationToken cancellationToken)
    {
        var access = OpaqueToken.Generate();
        var refresh = OpaqueToken.Generate();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO api_keys (id, hashed_secret, user_id, kind, session_id, created_at, expires_at)
            VALUES ($1, $2, $5, 'access', $6, $7, $8), ($3, $4, $5, 'refresh', $6, $7, $9)
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = access.Id });
        insert.Parameters.Add(new() { Value = access.HashSecret() });
        insert.Parameters.Add(new() { Value = refresh.Id });
        insert.Parameters.Add(new() { Value = refresh.HashSecret() });
        insert.Parameters.Add(new() { Value = userId });
        insert.Parameters.Add(new() { Value = sessionId });
        insert.Parameters.Add(new() { Value = now });
        insert.Parameters.Add(new() { Value = now + accessLifetime });
        insert.Parameters.Add(new() { Value = now + refreshLifetime });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new SessionTokens(sessionId, access, now + accessLifetime, refresh, now + refreshLifetime);
    }

    /// <summary>Revokes every key of a user still in force, inside the caller's transaction (a claimed prebuild's credentials end with the claim).</summary>
    public static async Task RevokeAllAsync(NpgsqlTransaction transaction, Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var revoke = new NpgsqlCommand("UPDATE api_keys SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", transaction.Connection, transaction);
        revoke.Parameters.Add(new NpgsqlParameter { Value = userId });
        revoke.Parameters.Add(new NpgsqlParameter { Value = now });
        await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
