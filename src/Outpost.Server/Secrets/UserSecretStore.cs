using System.Text;
using Npgsql;
using Outpost.Sdk.Secrets;
using Outpost.Server.Database;

namespace Outpost.Server.Secrets;

/// <summary>Why a secret could not be saved or found.</summary>
internal enum SecretRefusalKind
{
    None,
    Invalid,
    NotFound,
    Exists,
}

/// <summary>A refused secret change: the kind, and for Invalid and Exists the violation naming the field.</summary>
internal sealed record SecretRefusal(SecretRefusalKind Kind, SecretViolation? Violation = null)
{
    public static readonly SecretRefusal None = new(SecretRefusalKind.None);
}

/// <summary>
/// The one owner of <c>user_secrets</c>. Values go in only as <see cref="SecretProtector"/> envelopes
/// and come out (decrypted) only for a start build (<see cref="ListForBuildAsync"/>). A save checks
/// the fields, then, holding the owner's row lock so two saves cannot both slip under a budget, the
/// count and the build-time wire size of the owner's secrets as they would be; a refused save changes nothing.
/// </summary>
internal sealed class UserSecretStore(NpgsqlDataSource dataSource, SecretProtector protector, TimeProvider time)
{
    private const string MetadataColumns = "id, name, description, env_name, file_path, created_at, updated_at";

    public async Task<IReadOnlyList<UserSecret>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {MetadataColumns} FROM user_secrets WHERE user_id = $1 ORDER BY name");
        command.With(userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var secrets = new List<UserSecret>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            secrets.Add(ReadMetadata(reader));
        }

        return secrets;
    }

    public async Task<(UserSecret? Secret, SecretRefusal Refusal)> CreateAsync(Guid userId, CreateUserSecretRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (SecretRules.Check(request.Name, request.EnvName, request.FilePath, request.Value, request.Description) is { } violation)
        {
            return (null, new SecretRefusal(SecretRefusalKind.Invalid, violation));
        }

        var draft = new Draft(request.Name, request.Description ?? string.Empty, request.EnvName ?? string.Empty, request.FilePath ?? string.Empty, Encoding.UTF8.GetByteCount(request.Value));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var others = await LockOwnerSecretsAsync(transaction, userId, cancellationToken).ConfigureAwait(false);
        if ((Conflict(others, draft) ?? Budget([.. others, draft])) is { } refusal)
        {
            return (null, refusal);
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var envelope = protector.Protect(request.Value, SecretProtector.SecretPurpose(id));
        await using var insert = new NpgsqlCommand($"""
            INSERT INTO user_secrets (id, user_id, name, description, env_name, file_path, value_ciphertext, value_key_id, value_size, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
            RETURNING {MetadataColumns}
            """, connection, transaction);
        insert.With(id).With(userId).With(draft.Name).With(draft.Description).With(draft.EnvName).With(draft.FilePath)
            .With(envelope).With(protector.Keys.Current.Id).With(draft.ValueBytes).With(now);
        UserSecret created;
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            created = ReadMetadata(reader);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (created, SecretRefusal.None);
    }

    public async Task<(UserSecret? Secret, SecretRefusal Refusal)> UpdateAsync(Guid userId, string name, UpdateUserSecretRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (((request.Value is null ? null : SecretRules.CheckValue(request.Value))
            ?? SecretRules.CheckEnvName(request.EnvName) ?? SecretRules.CheckFilePath(request.FilePath) ?? SecretRules.CheckDescription(request.Description)) is { } violation)
        {
            return (null, new SecretRefusal(SecretRefusalKind.Invalid, violation));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var all = await LockOwnerSecretsAsync(transaction, userId, cancellationToken).ConfigureAwait(false);
        if (all.FirstOrDefault(secret => secret.Name == name) is not { } current)
        {
            return (null, new SecretRefusal(SecretRefusalKind.NotFound));
        }

        var draft = current with
        {
            Description = request.Description ?? current.Description,
            EnvName = request.EnvName ?? current.EnvName,
            FilePath = request.FilePath ?? current.FilePath,
            ValueBytes = request.Value is null ? current.ValueBytes : Encoding.UTF8.GetByteCount(request.Value),
        };
        var others = all.Where(secret => secret.Id != current.Id).ToList();
        if ((Conflict(others, draft) ?? Budget([.. others, draft])) is { } refusal)
        {
            return (null, refusal);
        }

        var now = time.GetUtcNow();
        await using var update = new NpgsqlCommand($"""
            UPDATE user_secrets SET description = $3, env_name = $4, file_path = $5, updated_at = $6,
                value_ciphertext = COALESCE($7, value_ciphertext), value_key_id = COALESCE($8, value_key_id), value_size = $9
            WHERE user_id = $1 AND id = $2
            RETURNING {MetadataColumns}
            """, connection, transaction);
        update.With(userId).With(current.Id).With(draft.Description).With(draft.EnvName).With(draft.FilePath).With(now);
        update.Parameters.Add(new NpgsqlParameter { Value = request.Value is null ? DBNull.Value : protector.Protect(request.Value, SecretProtector.SecretPurpose(current.Id!.Value)), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        update.Parameters.Add(new NpgsqlParameter { Value = request.Value is null ? DBNull.Value : protector.Keys.Current.Id, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        update.With(draft.ValueBytes);
        UserSecret updated;
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            updated = ReadMetadata(reader);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (updated, SecretRefusal.None);
    }

    public async Task<bool> DeleteAsync(Guid userId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM user_secrets WHERE user_id = $1 AND name = $2");
        command.With(userId).With(name);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// The owner's secrets with their values, by name, for a start build. A database error or a
    /// ciphertext no key opens throws: the caller fails the job rather than build without them.
    /// </summary>
    public async Task<IReadOnlyList<BuildSecret>> ListForBuildAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, env_name, file_path, value_ciphertext FROM user_secrets WHERE user_id = $1 ORDER BY name");
        command.With(userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var secrets = new List<BuildSecret>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            secrets.Add(new BuildSecret
            {
                EnvName = reader.GetString(1),
                FilePath = reader.GetString(2),
                Value = protector.UnprotectString(reader.GetFieldValue<byte[]>(3), SecretProtector.SecretPurpose(reader.GetGuid(0))),
            });
        }

        return secrets;
    }

    private static UserSecret ReadMetadata(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        Name = reader.GetString(1),
        Description = reader.GetString(2),
        EnvName = reader.GetString(3),
        FilePath = reader.GetString(4),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(6),
    };

    /// <summary>Locks the owner's user row (serializing their saves) and reads their secrets' metadata.</summary>
    private static async Task<List<Draft>> LockOwnerSecretsAsync(NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using (var lockUser = new NpgsqlCommand("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", transaction.Connection, transaction))
        {
            await lockUser.With(userId).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var select = new NpgsqlCommand(
            "SELECT id, name, description, env_name, file_path, value_size FROM user_secrets WHERE user_id = $1", transaction.Connection, transaction);
        select.With(userId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var secrets = new List<Draft>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            secrets.Add(new Draft(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5)) { Id = reader.GetGuid(0) });
        }

        return secrets;
    }

    private static SecretRefusal? Conflict(IEnumerable<Draft> others, Draft draft)
    {
        foreach (var other in others)
        {
            if (other.Name == draft.Name)
            {
                return Exists(SecretField.Name, $"you already have a secret named \"{draft.Name}\"");
            }

            if (draft.EnvName.Length > 0 && other.EnvName == draft.EnvName)
            {
                return Exists(SecretField.Env, $"your secret \"{other.Name}\" is already bound to the environment variable {draft.EnvName}");
            }

            if (draft.FilePath.Length > 0 && other.FilePath == draft.FilePath)
            {
                return Exists(SecretField.File, $"your secret \"{other.Name}\" is already bound to the file {draft.FilePath}");
            }
        }

        return null;
    }

    private static SecretRefusal Exists(SecretField field, string message) => new(SecretRefusalKind.Exists, new SecretViolation(field, message));

    private static SecretRefusal? Budget(IReadOnlyCollection<Draft> secrets) =>
        SecretRules.CheckBudget(secrets.Count, secrets.Sum(s => SecretEncoding.WireSize(s.EnvName, s.FilePath, s.ValueBytes))) is { } violation
            ? new SecretRefusal(SecretRefusalKind.Invalid, violation)
            : null;

    /// <summary>A secret's metadata and value size, as stored or as a save would leave it.</summary>
    private sealed record Draft(string Name, string Description, string EnvName, string FilePath, int ValueBytes)
    {
        public Guid? Id { get; init; }
    }
}
