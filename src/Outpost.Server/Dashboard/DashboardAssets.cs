using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Server.Http;

namespace Outpost.Server.Dashboard;

/// <summary>One bundled file of the dashboard, read once from the server's resources.</summary>
internal sealed record DashboardAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The dashboard's bundle, embedded at build time (Outpost.Server.csproj's DashboardBundle target) and served at the
/// access URL's root: <c>/</c> is <c>index.html</c> (revalidated every time), <c>/assets/*</c> are content-hashed
/// and immutable. Every answer carries the strict Content-Security-Policy (docs/dashboard.md).
/// </summary>
internal sealed class DashboardAssets
{
    public const string ResourcePrefix = "Outpost.Server.Dashboard/";

    /// <summary>
    /// Scripts only from this origin and never inline; no plugins, frames or foreign connections. Styles allow inline
    /// because xterm.js writes its theme and cell sizes into style elements at run time.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private readonly FrozenDictionary<string, DashboardAsset> _assets;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var path = name[ResourcePrefix.Length..];
            assets[path] = new DashboardAsset(content, ContentTypeOf(path), $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..32]}\"");
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public DashboardAsset? Index => _assets.GetValueOrDefault("index.html");

    public DashboardAsset? Find(string path) => _assets.GetValueOrDefault(path);

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}

internal static class DashboardEndpoints
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) => services.AddSingleton<DashboardAssets>();

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        // Anonymous: the page itself holds nothing; every call it makes is authenticated (the session cookie).
        routes.MapGet("/", static (HttpContext http, DashboardAssets assets, ILoggerFactory loggers) =>
        {
            if (assets.Index is not { } index)
            {
                DashboardLog.AssetsMissing(loggers.CreateLogger(DashboardLog.Category));
                return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                    "this server was built without its dashboard (the npm step of `dotnet build` did not run); the API works", ProblemCodes.Unavailable);
            }

            return Serve(http, index, "no-cache");
        }).WithTags("Dashboard").WithName("Dashboard").WithSummary("The web dashboard's page (docs/dashboard.md).").ExcludeFromDescription().AllowAnonymous();

        routes.MapGet("/assets/{file}", static (string file, HttpContext http, DashboardAssets assets) =>
            assets.Find("assets/" + file) is { } asset
                ? Serve(http, asset, "public, max-age=31536000, immutable")
                : Problems.NotFound($"there is no dashboard asset {file}"))
            .WithTags("Dashboard").WithName("DashboardAsset").WithSummary("The dashboard's content-hashed scripts and styles.").ExcludeFromDescription().AllowAnonymous();
        return routes;
    }

    private static IResult Serve(HttpContext http, DashboardAsset asset, string cacheControl)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = cacheControl;
        headers.ETag = asset.ETag;
        headers.ContentSecurityPolicy = DashboardAssets.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
