using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Database;

/// <summary>What applying migrations did, or why the server must not start.</summary>
internal sealed record MigrationOutcome(int AppliedCount, int SchemaVersion, string? Error);

/// <summary>
/// Applies the embedded migrations, each in its own transaction, under a session advisory lock so
/// that several replicas starting at once apply each migration exactly once.
/// </summary>
internal static partial class MigrationRunner
{
    // "outpost" in ASCII: the advisory lock key every replica agrees on.
    internal const long AdvisoryLockKey = 0x6f7574706f7374;

    public static Task<MigrationOutcome> ApplyAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken) =>
        ApplyAsync(dataSource, Migration.Embedded, logger, cancellationToken);

    internal static async Task<MigrationOutcome> ApplyAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<Migration> migrations, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken).ConfigureAwait(false);

            var current = await CurrentVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
            if (current > known)
            {
                return new MigrationOutcome(0, current,
                    $"the database schema is at version {current}, newer than this outpost binary knows (up to {known}); " +
                    $"a newer Outpost has used this database. Run outpost {Sdk.BuildVersion.Version} or later that knows version {current}, or point --postgres-url at another database.");
            }

            var applied = 0;
            foreach (var migration in migrations.Where(m => m.Version > current))
            {
                var stopwatch = Stopwatch.StartNew();
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, transaction))
                    {
                        record.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
                        record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException e)
                {
                    Log.MigrationFailed(logger, migration.Version, migration.Name, e.MessageText);
                    return new MigrationOutcome(applied, migration.Version - 1,
                        $"migration {migration.Version:D4}_{migration.Name} failed and was rolled back: {e.MessageText}");
                }

                applied++;
                Log.Applied(logger, migration.Version, migration.Name, stopwatch.Elapsed.TotalMilliseconds);
            }

            var version = Math.Max(current, known);
            Log.UpToDate(logger, version, applied);
            return new MigrationOutcome(applied, version, null);
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Migrations + 1, Level = LogLevel.Information,
            Message = "Applied migration {Version} ({Name}) in {ElapsedMs} ms")]
        public static partial void Applied(ILogger logger, int version, string name, double elapsedMs);

        [LoggerMessage(EventId = OutpostEventIds.Migrations + 2, Level = LogLevel.Information,
            Message = "Database schema is at version {Version} ({AppliedCount} migrations applied by this process)")]
        public static partial void UpToDate(ILogger logger, int version, int appliedCount);

        [LoggerMessage(EventId = OutpostEventIds.Migrations + 3, Level = LogLevel.Error,
            Message = "Migration {Version} ({Name}) failed and was rolled back: {Reason}")]
        public static partial void MigrationFailed(ILogger logger, int version, string name, string reason);
    }
}
