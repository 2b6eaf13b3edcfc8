using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Diagnostics;

/// <summary>
/// <c>GET /metrics</c>: on the main address only for an owner's token (metrics describe the whole
/// deployment); without authentication only on the separate <c>--prometheus-address</c> listener,
/// which serves nothing else.
/// </summary>
internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string Path = "/metrics";
    private const string ListenerItem = "outpost.metrics_listener";

    /// <summary>Marks every connection accepted on <paramref name="listen"/> as the metrics listener's.</summary>
    public static void MarkListener(ListenOptions listen, MetricsListener holder)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(holder);
        holder.Listen = listen;
        listen.Use(next => connection =>
        {
            connection.Items[ListenerItem] = true;
            return next(connection);
        });
    }

    public static bool OnMetricsListener(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ListenerItem) == true;

    /// <summary>Answers 404 to anything but <c>/metrics</c> on the metrics listener, before authentication runs.</summary>
    public static IApplicationBuilder UseMetricsListener(this IApplicationBuilder app) =>
        app.Use(static next => context =>
        {
            if (OnMetricsListener(context) && !(HttpMethods.IsGet(context.Request.Method) && context.Request.Path == Path))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Path, static (HttpContext http, PrometheusScraper scraper) =>
        {
            if (!OnMetricsListener(http))
            {
                if (http.User.Identity?.IsAuthenticated != true)
                {
                    return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                        detail: "metrics need an owner's token on this address; or start the server with --prometheus-address for an unauthenticated listener");
                }

                if (http.User.FindFirst(IdentityClaims.Role)?.Value != Roles.Owner)
                {
                    return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "only an owner may read the metrics");
                }
            }

            var text = scraper.Scrape();
            return text is null
                ? Results.Problem(title: "Metrics collection failed", detail: "collecting the metrics timed out; try again", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text(text, ContentType);
        })
        .WithName("GetMetrics")
        .WithTags("Diagnostics")
        .WithSummary("The server's metrics in the Prometheus text exposition format (an owner's token, or the --prometheus-address listener).")
        .ExcludeFromDescription()
        // Checked in the handler: the metrics listener serves it without a token.
        .AllowAnonymous();
        return routes;
    }
}

/// <summary>The <c>--prometheus-address</c> listener, once Kestrel has bound it (port 0 becomes a real port).</summary>
internal sealed class MetricsListener
{
    public ListenOptions? Listen { get; set; }

    public IPEndPoint? BoundEndpoint => Listen?.IPEndPoint;
}
