using System.Net.Sockets;
using Npgsql;
using Outpost.Server.Http;

namespace Outpost.Server.Tests.Http;

/// <summary>Which failures answer 503 "database unavailable"; the answer itself is seen in PostgresRestartTests.</summary>
public sealed class DatabaseUnavailableExceptionHandlerTests
{
    [Theory]
    [InlineData("57P01")] // admin_shutdown: a fast stop or restart ended the session
    [InlineData("57P02")] // crash_shutdown
    [InlineData("57P03")] // cannot_connect_now: still starting, or shutting down
    [InlineData("08006")] // connection_failure
    public void Shutdown_and_connection_errors_mean_the_database_is_unavailable(string sqlState) =>
        Assert.NotNull(DatabaseUnavailableExceptionHandler.FindCause(new PostgresException("gone", "FATAL", "FATAL", sqlState)));

    [Theory]
    [InlineData("23505")] // unique_violation
    [InlineData("40P01")] // deadlock_detected
    [InlineData("42601")] // syntax_error
    public void Other_database_errors_are_not_an_outage(string sqlState) =>
        Assert.Null(DatabaseUnavailableExceptionHandler.FindCause(new PostgresException("wrong", "ERROR", "ERROR", sqlState)));

    [Fact]
    public void A_refused_connection_is_found_inside_the_exception_that_wraps_it()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Same(refused, DatabaseUnavailableExceptionHandler.FindCause(new InvalidOperationException("reading the workspace failed", refused)));
        Assert.Null(DatabaseUnavailableExceptionHandler.FindCause(new InvalidOperationException("a bug")));
    }
}
