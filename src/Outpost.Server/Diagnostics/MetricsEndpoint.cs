using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Outpost.Server.Diagnostics;

internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/metrics", static (PrometheusScraper scraper) =>
        {
            var text = scraper.Scrape();
            return text is null
                ? Results.Problem(title: "Metrics collection failed", detail: "collecting the metrics timed out; try again", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text(text, ContentType);
        })
        .WithName("GetMetrics")
        .WithTags("Diagnostics")
        .WithSummary("The server's metrics in the Prometheus text exposition format.")
        .ExcludeFromDescription()
        .AllowAnonymous();
        return routes;
    }
}
