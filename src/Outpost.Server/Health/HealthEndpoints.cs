using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Outpost.Server.Health;

internal static class HealthEndpoints
{
    private static readonly TimeSpan DatabaseCheckTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", static async Task<Results<ContentHttpResult, ProblemHttpResult>> (NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        {
            var problem = await CheckDatabaseAsync(dataSource, cancellationToken).ConfigureAwait(false);
            return problem is null
                ? TypedResults.Text("ok")
                : TypedResults.Problem(title: "Unhealthy", detail: problem, statusCode: StatusCodes.Status503ServiceUnavailable);
        })
        .WithName("GetHealth")
        .WithTags("Health")
        .WithSummary("200 when the server can reach its database, 503 with the reason otherwise.")
        .AllowAnonymous();
        return routes;
    }

    internal static async Task<string?> CheckDatabaseAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DatabaseCheckTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"the database did not answer within {DatabaseCheckTimeout.TotalSeconds:F0} s";
        }
        catch (NpgsqlException e)
        {
            return $"the database is unreachable: {e.Message}";
        }
    }
}
