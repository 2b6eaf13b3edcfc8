using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Server.Database;
using Outpost.Testing;

namespace Outpost.Server.Tests.Database;

/// <summary>These start clusters of their own, so they run one at a time.</summary>
[Collection(nameof(EmbeddedPostgresTests))]
public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"outpost-epg-{Guid.NewGuid():N}"[..24]);

    [Fact]
    public async Task Missing_binaries_give_a_message_naming_both_fixes()
    {
        var start = await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token(), binDirectoryOverride: "/nonexistent/bin").WithTimeout();

        Assert.Null(start.Instance);
        Assert.Contains("install PostgreSQL", start.Error, StringComparison.Ordinal);
        Assert.Contains("--postgres-url", start.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_after_a_crash_reuses_the_data_and_stops_the_orphaned_postgres()
    {
        var first = (await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token()).WithTimeout()).Instance!;
        await ExecuteAsync(first.ConnectionString, "CREATE TABLE survived (v text); INSERT INTO survived VALUES ('yes')");
        var orphanPid = int.Parse(File.ReadLines(Path.Combine(first.ClusterDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

        // The first instance is never disposed: like a SIGKILLed server, its postgres keeps running.
        var second = (await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token()).WithTimeout()).Instance!;
        await using (second)
        {
            Assert.NotEqual(first.Port, second.Port);
            Assert.Equal("yes", await ScalarAsync(second.ConnectionString, "SELECT v FROM survived"));
            Assert.False(File.Exists($"/proc/{orphanPid}/cmdline") && File.ReadAllText($"/proc/{orphanPid}/cmdline").Contains("postgres", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_stale_lock_file_from_a_dead_postgres_does_not_block_the_start()
    {
        var first = (await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token()).WithTimeout()).Instance!;
        await first.DisposeAsync();
        var pidFile = Path.Combine(first.ClusterDirectory, "postmaster.pid");
        // PID 1 is alive but is not a postgres: exactly the recycled-PID case PostgreSQL refuses.
        await File.WriteAllTextAsync(pidFile, $"1\n{first.ClusterDirectory}\n0\n{first.Port}\n\n127.0.0.1\n0 0\nready\n");

        var second = await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        Assert.Null(second.Error);
        await second.Instance!.DisposeAsync();
    }

    [Fact]
    public async Task A_postgres_that_fails_to_start_is_explained_with_the_tail_of_its_log()
    {
        var first = (await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token()).WithTimeout()).Instance!;
        await first.DisposeAsync();
        await File.AppendAllTextAsync(Path.Combine(first.ClusterDirectory, "postgresql.conf"), "\nshared_buffers = 'not a size'\n");

        var second = await EmbeddedPostgres.StartAsync(_root, NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

        Assert.Null(second.Instance);
        Assert.Contains("failed to start", second.Error, StringComparison.Ordinal);
        Assert.Contains("shared_buffers", second.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_created_is_reported()
    {
        var file = Path.Combine(Path.GetTempPath(), $"outpost-not-a-dir-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "x");
        try
        {
            var start = await EmbeddedPostgres.StartAsync(Path.Combine(file, "data"), NullLogger.Instance, TestTimeouts.Token()).WithTimeout();

            Assert.Null(start.Instance);
            Assert.Contains("cannot create the data directory", start.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
