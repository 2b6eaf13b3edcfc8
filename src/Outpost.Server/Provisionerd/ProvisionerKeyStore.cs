using System.Collections.Concurrent;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Provisionerd;

/// <summary>The daemon a request comes from: which key it presented (the job's owner is the key).</summary>
internal sealed record DaemonIdentity(string KeyId, string KeyName);

/// <summary>Provisioner keys: stored as SHA-256 of the secret like API tokens; plus the process's internal key.</summary>
/// <remarks>
/// A key that authenticated is trusted for <see cref="CacheLifetime"/> without asking the database
/// again: a daemon sends a request per job and heartbeats while it works, and the lookup was the one
/// statement each of them added. Deleting a key through this server evicts it at once (a lookup
/// already under way may still keep it for up to <see cref="CacheLifetime"/>); deleted through
/// another replica, it stops working within <see cref="CacheLifetime"/>. Failed lookups are never cached.
/// </remarks>
internal sealed class ProvisionerKeyStore(NpgsqlDataSource dataSource, TimeProvider time, InternalProvisionerKey internalKey)
{
    /// <summary>How long a key that authenticated is trusted without a database lookup.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(1);

    // Only keys that authenticated get in, so the cache holds at most the keys in use; the bound is
    // a backstop.
    private const int MaxCachedKeys = 1024;

    private readonly string _internalId = internalKey.Token.Id;
    private readonly byte[] _internalHash = internalKey.Token.HashSecret();
    private readonly DaemonIdentity _internalIdentity = new(InternalProvisionerKey.DaemonKeyId, "built-in");
    private readonly ConcurrentDictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    public async Task<DaemonIdentity?> AuthenticateAsync(string? presented, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.TryParse(presented, out var token))
        {
            return null;
        }

        if (token.Id == _internalId)
        {
            return token.Matches(_internalHash) ? _internalIdentity : null;
        }

        var now = time.GetUtcNow();
        if (_cache.TryGetValue(token.Id, out var cached) && cached.Until > now)
        {
            return token.Matches(cached.HashedSecret) ? cached.Identity : null;
        }

        byte[]? hashedSecret = null;
        string? name = null;
        await using (var command = dataSource.CreateCommand("SELECT hashed_secret, name FROM provisioner_keys WHERE id = $1"))
        {
            command.With(token.Id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (hashedSecret, name) = (reader.GetFieldValue<byte[]>(0), reader.GetString(1));
            }
        }

        if (hashedSecret is null || !token.Matches(hashedSecret))
        {
            _cache.TryRemove(token.Id, out _);
            return null;
        }

        if (_cache.Count >= MaxCachedKeys)
        {
            _cache.Clear();
        }

        var identity = new DaemonIdentity(token.Id, name!);
        _cache[token.Id] = new CachedKey(hashedSecret, identity, now + CacheLifetime);
        return identity;
    }

    private sealed record CachedKey(byte[] HashedSecret, DaemonIdentity Identity, DateTimeOffset Until);

    /// <summary>Creates a key; null when the name is taken.</summary>
    public async Task<(OpaqueToken Token, ProvisionerKey Key)?> CreateAsync(string name, Guid createdBy, CancellationToken cancellationToken)
    {
        var token = OpaqueToken.Generate();
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO provisioner_keys (id, name, hashed_secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
            """);
        command.With(token.Id).With(name).With(token.HashSecret()).With(createdBy).With(now);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null;
        }

        return (token, new ProvisionerKey { Id = token.Id, Name = name, CreatedAt = now });
    }

    public async Task<List<ProvisionerKey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, name, created_at FROM provisioner_keys ORDER BY lower(name)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ProvisionerKey>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new ProvisionerKey { Id = reader.GetString(0), Name = reader.GetString(1), CreatedAt = reader.GetFieldValue<DateTimeOffset>(2) });
        }

        return keys;
    }

    public async Task<bool> DeleteAsync(string idOrName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM provisioner_keys WHERE id = $1 OR lower(name) = lower($1) RETURNING id");
        command.With(idOrName);
        var deleted = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // This replica stops trusting the key now, not when its cache entry would expire.
            _cache.TryRemove(reader.GetString(0), out _);
            deleted = true;
        }

        return deleted;
    }
}
