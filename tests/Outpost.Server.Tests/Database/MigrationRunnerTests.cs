using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Server.Database;
using Outpost.Testing;

namespace Outpost.Server.Tests.Database;

public sealed class MigrationRunnerTests
{
    private static readonly Migration[] CreatesTables =
    [
        new(1, "first", "CREATE TABLE first_table (id integer PRIMARY KEY)"),
        new(2, "second", "CREATE TABLE second_table (id integer PRIMARY KEY); INSERT INTO second_table VALUES (1)"),
    ];

    [Fact]
    public async Task Applies_every_embedded_migration_and_records_it()
    {
        await using var dataSource = NpgsqlDataSource.Create(await DatabaseFixture.CreateDatabaseAsync("embedded"));

        var outcome = await MigrationRunner.ApplyAsync(dataSource, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        Assert.Null(outcome.Error);
        Assert.Equal(Migration.Embedded.Count, outcome.AppliedCount);
        Assert.Equal(Migration.Embedded[^1].Version, outcome.SchemaVersion);
        Assert.Equal(Migration.Embedded.Select(m => m.Version), await VersionsAsync(dataSource));
    }

    [Fact]
    public async Task A_second_run_applies_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await DatabaseFixture.CreateDatabaseAsync("rerun"));
        await MigrationRunner.ApplyAsync(dataSource, CreatesTables, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        var again = await MigrationRunner.ApplyAsync(dataSource, CreatesTables, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        Assert.Null(again.Error);
        Assert.Equal(0, again.AppliedCount);
        Assert.Equal(2, again.SchemaVersion);
    }

    [Fact]
    public async Task Concurrent_runners_apply_each_migration_exactly_once()
    {
        var connectionString = await DatabaseFixture.CreateDatabaseAsync("concurrent");
        var sources = Enumerable.Range(0, 6).Select(_ => NpgsqlDataSource.Create(connectionString)).ToArray();
        try
        {
            // CREATE TABLE fails if run twice, so a missing lock would surface as an error here.
            var outcomes = await Task.WhenAll(sources.Select(s =>
                MigrationRunner.ApplyAsync(s, CreatesTables, NullLogger.Instance, TestTimeouts.Token()))).WithTimeout();

            Assert.All(outcomes, o => Assert.Null(o.Error));
            Assert.Equal(2, outcomes.Sum(o => o.AppliedCount));
            Assert.Equal([1, 2], await VersionsAsync(sources[0]));
            await using var count = sources[0].CreateCommand("SELECT count(*) FROM second_table");
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_failing_migration_is_rolled_back_and_reported_with_its_name()
    {
        await using var dataSource = NpgsqlDataSource.Create(await DatabaseFixture.CreateDatabaseAsync("failing"));
        Migration[] migrations =
        [
            CreatesTables[0],
            new(2, "broken", "CREATE TABLE half_done (id integer); SELECT no_such_function()"),
        ];

        var outcome = await MigrationRunner.ApplyAsync(dataSource, migrations, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        Assert.NotNull(outcome.Error);
        Assert.Contains("0002_broken", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("no_such_function", outcome.Error, StringComparison.Ordinal);
        Assert.Equal([1], await VersionsAsync(dataSource));
        await using var exists = dataSource.CreateCommand("SELECT to_regclass('half_done') IS NULL");
        Assert.Equal(true, await exists.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_schema_newer_than_the_binary_is_refused_with_a_clear_message()
    {
        await using var dataSource = NpgsqlDataSource.Create(await DatabaseFixture.CreateDatabaseAsync("newer"));
        await MigrationRunner.ApplyAsync(dataSource, CreatesTables, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        var older = await MigrationRunner.ApplyAsync(dataSource, CreatesTables[..1], NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        Assert.NotNull(older.Error);
        Assert.Contains("schema is at version 2, newer than this outpost binary knows (up to 1)", older.Error, StringComparison.Ordinal);
    }

    private static async Task<List<int>> VersionsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }
}
