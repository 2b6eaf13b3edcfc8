using Npgsql;

namespace Outpost.Server.Identity.Tokens;

internal sealed partial class ApiKeyStore
{
    /// <summary>Creates a named API token; null when the user already has a live token of that name.</summary>
    public async Task<(OpaqueToken Token, ApiTokenRecord Record)?> CreateApiTokenAsync(Guid userId, string name, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = OpaqueToken.Generate();
        var now = time.GetUtcNow();
        await using var insert = dataSource.CreateCommand("""
            INSERT INTO api_keys (id, hashed_secret, user_id, kind, token_name, created_at, expires_at)
            VALUES ($1, $2, $3, 'token', $4, $5, $6)
            """);
        insert.Parameters.Add(new() { Value = token.Id });
        insert.Parameters.Add(new() { Value = token.HashSecret() });
        insert.Parameters.Add(new() { Value = userId });
        insert.Parameters.Add(new() { Value = name });
        insert.Parameters.Add(new() { Value = now });
        insert.Parameters.Add(new() { Value = now + lifetime });
        try
        {
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null;
        }

        return (token, new ApiTokenRecord(token.Id, name, now, now + lifetime, null));
    }

    /// <summary>The user's live (unrevoked) API tokens, newest first.</summary>
    public async Task<List<ApiTokenRecord>> ListApiTokensAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, token_name, created_at, expires_at, last_used_at FROM api_keys
            WHERE user_id = $1 AND kind = 'token' AND revoked_at IS NULL
            ORDER BY created_at DESC
            """);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tokens = new List<ApiTokenRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(new ApiTokenRecord(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return tokens;
    }

    /// <summary>Revokes one of the user's API tokens by id or name; false when there is none.</summary>
    public async Task<bool> RevokeApiTokenAsync(Guid userId, string idOrName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE api_keys SET revoked_at = $3
            WHERE user_id = $1 AND kind = 'token' AND revoked_at IS NULL AND (id = $2 OR lower(token_name) = lower($2))
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = idOrName });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
