using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Http;

/// <summary>
/// Answers a request that failed because PostgreSQL could not be reached — restarting, shutting
/// down, or gone — with <c>503</c>, a <c>Retry-After</c> and a problem detail that says so, instead
/// of an anonymous 500. Nothing is retried here: the request may have been half done, and only the
/// client knows whether repeating it is safe. Every other exception is left to the default handler.
/// </summary>
internal sealed partial class DatabaseUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public const string Title = "Database unavailable";
    public const string Detail = "the server cannot reach its PostgreSQL database right now (it may be restarting); try again in a few seconds";
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var cause = FindCause(exception);
        if (cause is null)
        {
            return false;
        }

        Log.DatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? string.Empty, Describe(cause));
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = Title, Detail = Detail, Extensions = { [Problems.CodeMember] = ProblemCodes.DatabaseUnavailable } },
        }).ConfigureAwait(false);
    }

    /// <summary>The exception in the chain that says the database is unreachable, or null when none does.</summary>
    internal static NpgsqlException? FindCause(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException npgsql && IsUnavailable(npgsql))
            {
                return npgsql;
            }
        }

        return null;
    }

    private static bool IsUnavailable(NpgsqlException exception) => exception switch
    {
        // Class 08 is "connection exception"; 57P01–57P03 are an administrator's or a crash's
        // shutdown and a server still starting or stopping. A constraint violation, a deadlock or a
        // bug in a statement is not an outage and stays a 500.
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        // Npgsql's own errors are transient when the socket failed: refused, reset, closed or timed out.
        _ => exception.IsTransient,
    };

    private static string Describe(NpgsqlException exception) => exception switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        _ when exception.InnerException is not null => $"{exception.Message} ({exception.InnerException.Message})",
        _ => exception.Message,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Http + 1, Level = LogLevel.Warning,
            Message = "{Method} {Path} answered 503: the database is unavailable ({Reason})")]
        public static partial void DatabaseUnavailable(ILogger logger, string method, string path, string reason);
    }
}
