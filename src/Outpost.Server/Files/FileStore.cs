using Npgsql;
using Outpost.Server.Database;

namespace Outpost.Server.Files;

/// <summary>A piece of a stored file and the file's whole length.</summary>
internal sealed record StoredChunk(int FileLength, byte[] Data);

/// <summary>The store of <c>files</c>: archives kept once per SHA-256, read whole by size or in pieces.</summary>
internal sealed class FileStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// Stores <paramref name="data"/> under <paramref name="hash"/>; false when the same bytes were stored
    /// before. A daemon's upload (a modules archive) has no user: <paramref name="createdBy"/> is null.
    /// </summary>
    public async Task<bool> InsertAsync(string hash, byte[] data, Guid? createdBy, CancellationToken cancellationToken)
    {
        await using var insert = dataSource.CreateCommand("""
            INSERT INTO files (hash, data, created_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING
            """);
        insert.With(hash).With(data).With(createdBy).With(time.GetUtcNow());
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private const string ExistsSql = "SELECT EXISTS (SELECT 1 FROM files WHERE hash = $1)";

    public async Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ExistsSql);
        command.With(hash);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary><see cref="ExistsAsync(string, CancellationToken)"/> inside another feature's transaction.</summary>
    public static async Task<bool> ExistsAsync(NpgsqlTransaction transaction, string hash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var command = new NpgsqlCommand(ExistsSql, transaction.Connection, transaction);
        command.With(hash);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The file's length in bytes; null when there is no such file.</summary>
    public async Task<int?> GetLengthAsync(string hash, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand("SELECT length(data) FROM files WHERE hash = $1");
        select.With(hash);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as int?;
    }

    /// <summary>
    /// Up to <paramref name="length"/> bytes from <paramref name="offset"/>, read in the database so only
    /// the piece leaves it; null when there is no such file.
    /// </summary>
    public async Task<StoredChunk?> ReadChunkAsync(string hash, long offset, int length, CancellationToken cancellationToken)
    {
        // bytea substring is 1-based and takes int positions; stored files are far below 2 GiB.
        await using var select = dataSource.CreateCommand("SELECT length(data), substring(data FROM $2 FOR $3) FROM files WHERE hash = $1");
        select.With(hash).With((int)Math.Min(offset + 1, int.MaxValue)).With(length);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredChunk(reader.GetInt32(0), reader.GetFieldValue<byte[]>(1))
            : null;
    }
}
