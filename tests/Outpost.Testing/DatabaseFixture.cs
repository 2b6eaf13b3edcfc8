using Npgsql;

namespace Outpost.Testing;

/// <summary>A fresh, empty database per test class (no migrations applied).</summary>
public class DatabaseFixture : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public string ConnectionString { get; private set; } = string.Empty;

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is not initialized.");

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(GetType().Name).WithTimeout();
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    /// <summary>Another empty database, for tests that need one of their own.</summary>
    public static Task<string> CreateDatabaseAsync(string hint) => TestPostgres.CreateDatabaseAsync(hint);

    public virtual async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
