using System.Net;
using System.Text.RegularExpressions;
using Outpost.Testing;

namespace Outpost.Server.Tests.Dashboard;

/// <summary>The embedded bundle as the server serves it: the page revalidated, hashed assets immutable, a strict policy on both.</summary>
public sealed partial class DashboardAssetTests(ClockedServerFixture fixture) : IClassFixture<ClockedServerFixture>
{
    [Fact]
    public async Task The_page_is_revalidated_its_hashed_assets_are_immutable_and_both_carry_a_strict_content_security_policy()
    {
        using var page = await fixture.Client.GetAsync(new Uri("/", UriKind.Relative)).WithTimeout();
        var html = await page.Content.ReadAsStringAsync().WithTimeout();
        var script = ScriptPath().Match(html).Groups[1].Value;
        using var asset = await fixture.Client.GetAsync(new Uri(script, UriKind.Relative)).WithTimeout();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("If-None-Match", page.Headers.ETag!.ToString());
        using var revalidated = await fixture.Client.SendAsync(request).WithTimeout();
        using var unknown = await fixture.Client.GetAsync(new Uri("/assets/main-NOSUCHHASH.js", UriKind.Relative)).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.True(page.Headers.CacheControl?.NoCache);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html.Replace("http-equiv", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        foreach (var response in new[] { page, asset })
        {
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [GeneratedRegex("<script type=\"module\" src=\"(/assets/main-[A-Z0-9]+\\.js)\"></script>")]
    private static partial Regex ScriptPath();
}
