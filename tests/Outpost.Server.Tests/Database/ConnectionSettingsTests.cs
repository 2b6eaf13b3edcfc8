using Npgsql;
using Outpost.Server.Database;

namespace Outpost.Server.Tests.Database;

public sealed class ConnectionSettingsTests
{
    [Theory]
    [InlineData("Host=db;Username=u", ConnectionSettings.AutoPreparedStatements)]
    [InlineData("Host=db;Username=u;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Username=u;maxautoprepare=5", 5)]
    public void Statements_are_auto_prepared_unless_the_connection_string_says_otherwise(string connectionString, int expected)
    {
        var builder = ConnectionSettings.Apply(new NpgsqlDataSourceBuilder(connectionString), connectionString);

        Assert.Equal(expected, builder.ConnectionStringBuilder.MaxAutoPrepare);
        Assert.True(builder.ConnectionStringBuilder.NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=db;Username=u", ConnectionSettings.IdleLifetimeSeconds)]
    [InlineData("Host=db;Username=u;Connection Idle Lifetime=300", 300)]
    [InlineData("Host=db;Username=u;connectionidlelifetime=12", 12)]
    [InlineData("Host=db;Username=u;Connection Pruning Interval=45", 45)]
    public void Idle_connections_are_pruned_after_30_seconds_unless_the_connection_string_says_otherwise(string connectionString, int expected)
    {
        var builder = ConnectionSettings.Apply(new NpgsqlDataSourceBuilder(connectionString), connectionString);

        Assert.Equal(expected, builder.ConnectionStringBuilder.ConnectionIdleLifetime);
        // Npgsql checks the pair when the data source is built.
        using var dataSource = builder.Build();
    }

    [Theory]
    [InlineData("Host=db;Username=u", ConnectionSettings.MinimumPoolSize)]
    [InlineData("Host=db;Username=u;Minimum Pool Size=0", 0)]
    [InlineData("Host=db;Username=u;minpoolsize=3", 3)]
    [InlineData("Host=db;Username=u;Maximum Pool Size=4", 4)]
    public void Ten_connections_stay_open_unless_the_connection_string_says_otherwise(string connectionString, int expected)
    {
        var builder = ConnectionSettings.Apply(new NpgsqlDataSourceBuilder(connectionString), connectionString);

        Assert.Equal(expected, builder.ConnectionStringBuilder.MinPoolSize);
        using var dataSource = builder.Build();
    }
}
