using Npgsql;
using Outpost.Server.Database;

namespace Outpost.Server.Identity.Users;

internal enum CreateUserError
{
    None,
    FirstUserExists,
    EmailTaken,
    UsernameTaken,
}

/// <summary>SQL for users. System users (the prebuilds user) never sign in and are left out of lists and the first-user check.</summary>
internal sealed class UserStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    // Serializes first-user creation: READ COMMITTED alone would let two racing requests both
    // see an empty table and both create an owner.
    private const long FirstUserLockKey = 0x6f7574706f7374 + 1;

    public async Task<(UserRecord? User, CreateUserError Error)> CreateAsync(
        string email, string username, string name, string role, string passwordHash, bool onlyIfFirst, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (onlyIfFirst)
        {
            await using var check = new NpgsqlCommand(
                $"SELECT pg_advisory_xact_lock({FirstUserLockKey}); SELECT EXISTS (SELECT 1 FROM users WHERE NOT is_system)", connection, transaction);
            await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetBoolean(0))
            {
                return (null, CreateUserError.FirstUserExists);
            }
        }

        var now = time.GetUtcNow();
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO users (email, username, name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {UserRecord.Columns}",
            connection, transaction)
        {
            Parameters = { new() { Value = email }, new() { Value = username }, new() { Value = name }, new() { Value = role }, new() { Value = passwordHash }, new() { Value = now } },
        };
        try
        {
            UserRecord user;
            await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                user = UserRecord.Read(reader);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (user, CreateUserError.None);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return (null, e.ConstraintName == "users_email_key" ? CreateUserError.EmailTaken : CreateUserError.UsernameTaken);
        }
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM users WHERE NOT is_system)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public Task<UserRecord?> GetByEmailAsync(string email, CancellationToken cancellationToken) =>
        GetOneAsync($"SELECT {UserRecord.Columns} FROM users WHERE lower(email) = lower($1) AND NOT is_system", email, cancellationToken);

    public Task<UserRecord?> GetByIdAsync(Guid id, CancellationToken cancellationToken) =>
        GetOneAsync($"SELECT {UserRecord.Columns} FROM users WHERE id = $1", id, cancellationToken);

    /// <summary>The id of a user named by username (case-insensitive) or id; null when there is none.</summary>
    public async Task<Guid?> FindIdAsync(string usernameOrId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM users WHERE lower(username) = lower($1) OR id::text = $1");
        command.With(usernameOrId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as Guid?;
    }

    /// <summary>A user named by "me" (the caller, <paramref name="me"/>), a username or an id; null when there is none.</summary>
    public Task<Guid?> ResolveAsync(string user, Guid? me, CancellationToken cancellationToken) =>
        user == "me" ? Task.FromResult(me) : FindIdAsync(user, cancellationToken);

    /// <summary>Users ordered by username, a page at a time (keyset on the lower-cased name).</summary>
    public async Task<List<UserRecord>> ListAsync(string? afterUsername, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {UserRecord.Columns} FROM users WHERE NOT is_system AND ($1::text IS NULL OR lower(username) > lower($1)) ORDER BY lower(username) LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)afterUsername ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var users = new List<UserRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(UserRecord.Read(reader));
        }

        return users;
    }

    private async Task<UserRecord?> GetOneAsync<T>(string sql, T key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? UserRecord.Read(reader) : null;
    }
}
