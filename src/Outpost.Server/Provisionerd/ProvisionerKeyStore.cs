using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Provisionerd;

/// <summary>The daemon a request comes from: which key it presented (the job's owner is the key).</summary>
internal sealed record DaemonIdentity(string KeyId, string KeyName);

/// <summary>Provisioner keys: stored as SHA-256 of the secret like API tokens; plus the process's internal key.</summary>
internal sealed class ProvisionerKeyStore(NpgsqlDataSource dataSource, TimeProvider time, InternalProvisionerKey internalKey)
{
    private readonly string _internalId = internalKey.Token.Id;
    private readonly byte[] _internalHash = internalKey.Token.HashSecret();

    public async Task<DaemonIdentity?> AuthenticateAsync(string? presented, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.TryParse(presented, out var token))
        {
            return null;
        }

        if (token.Id == _internalId)
        {
            return token.Matches(_internalHash) ? new DaemonIdentity(InternalProvisionerKey.DaemonKeyId, "built-in") : null;
        }

        await using var command = dataSource.CreateCommand("SELECT hashed_secret, name FROM provisioner_keys WHERE id = $1");
        command.With(token.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && token.Matches(reader.GetFieldValue<byte[]>(0))
            ? new DaemonIdentity(token.Id, reader.GetString(1))
            : null;
    }

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
        await using var command = dataSource.CreateCommand("DELETE FROM provisioner_keys WHERE id = $1 OR lower(name) = lower($1)");
        command.With(idOrName);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
