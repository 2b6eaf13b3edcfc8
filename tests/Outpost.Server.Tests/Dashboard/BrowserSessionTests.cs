using System.Net;
using Microsoft.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Outpost.Sdk;
using Outpost.Sdk.Sessions;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Users;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Dashboard;

/// <summary>A dashboard session signed in on an http access URL, driven over real HTTP with the cookies set by hand.</summary>
internal sealed record BrowserSession(string SessionCookie, string CsrfToken, IReadOnlyList<SetCookieHeaderValue> SetCookies)
{
    public string CookieHeader => $"{CookieAuthenticationHandler.SessionCookie}={SessionCookie}; {CookieAuthenticationHandler.CsrfCookie}={CsrfToken}";

    public static async Task<HttpResponseMessage> SignInRawAsync(HttpClient client, string email, string password) =>
        await client.PostAsJsonAsync("/api/v2/users/browser-session", new LoginRequest { Email = email, Password = password }, OutpostJson.Options).WithTimeout();

    public static async Task<BrowserSession> SignInAsync(HttpClient client)
    {
        using var response = await SignInRawAsync(client, IdentityApi.OwnerEmail, IdentityApi.OwnerPassword);
        response.EnsureSuccessStatusCode();
        var cookies = SetCookieHeaderValue.ParseList([.. response.Headers.GetValues("Set-Cookie")]);
        return new BrowserSession(
            cookies.Single(c => c.Name == CookieAuthenticationHandler.SessionCookie).Value.ToString(),
            cookies.Single(c => c.Name == CookieAuthenticationHandler.CsrfCookie).Value.ToString(),
            [.. cookies]);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, string? csrf = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", CookieHeader);
        if (csrf is not null)
        {
            request.Headers.Add(CookieAuthenticationHandler.CsrfHeader, csrf);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: OutpostJson.Options);
        }

        return await client.SendAsync(request).WithTimeout();
    }
}

public sealed class BrowserSessionTests(ClockedServerFixture fixture) : IClassFixture<ClockedServerFixture>, IDisposable
{
    // No cookie container: each request carries exactly the cookies the test gives it.
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = fixture.BaseAddress, Timeout = TestTimeouts.Default };

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Sign_in_sets_an_HttpOnly_SameSite_Lax_session_cookie_and_a_readable_csrf_cookie_and_never_returns_the_token()
    {
        using var response = await BrowserSession.SignInRawAsync(_client, IdentityApi.OwnerEmail, IdentityApi.OwnerPassword);
        var body = await response.Content.ReadAsStringAsync().WithTimeout();
        var cookies = SetCookieHeaderValue.ParseList([.. response.Headers.GetValues("Set-Cookie")]);
        var session = cookies.Single(c => c.Name == CookieAuthenticationHandler.SessionCookie);
        var csrf = cookies.Single(c => c.Name == CookieAuthenticationHandler.CsrfCookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"username\":\"owner\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(session.Value.ToString(), body, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.True(session.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, session.SameSite);
        Assert.Equal("/", session.Path.ToString());
        Assert.False(session.Secure, "the access URL is http: a Secure cookie would never come back");
        Assert.NotNull(session.Expires);
        Assert.False(csrf.HttpOnly, "the dashboard's script copies the CSRF cookie into its header");
        Assert.Equal(CookieAuthenticationHandler.CsrfTokenFor(session.Value.ToString()), csrf.Value.ToString());
    }

    [Theory]
    [InlineData("""{"password":"p"}""", "email")]
    [InlineData("""{"email":12,"password":"p"}""", "email")]
    [InlineData("""{"email":"owner\u0000@example.com","password":"p"}""", "email")]
    [InlineData("""{"email":"owner@example.com"}""", "password")]
    public async Task A_malformed_sign_in_is_refused_naming_the_field_and_sets_no_cookie(string json, string field)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(new Uri("/api/v2/users/browser-session", UriKind.Relative), content).WithTimeout();
        var body = await response.Content.ReadAsStringAsync().WithTimeout();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains(field, body, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_wrong_password_sets_no_cookie_and_says_why_like_the_api_login()
    {
        using var response = await BrowserSession.SignInRawAsync(_client, IdentityApi.OwnerEmail, "not-the-password");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemCodes.InvalidCredentials, (await IdentityApi.ProblemAsync(response)).Code);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_cookie_reads_freely_but_every_state_change_needs_the_sessions_csrf_token_while_bearer_requests_need_none()
    {
        var browser = await BrowserSession.SignInAsync(_client);
        var other = await BrowserSession.SignInAsync(_client);

        using var me = await browser.SendAsync(_client, HttpMethod.Get, "/api/v2/users/me");
        using var missing = await browser.SendAsync(_client, HttpMethod.Post, "/api/v2/templates", new CreateTemplateRequest { Name = "csrf-missing" });
        using var wrong = await browser.SendAsync(_client, HttpMethod.Post, "/api/v2/templates", new CreateTemplateRequest { Name = "csrf-wrong" }, other.CsrfToken);
        using var right = await browser.SendAsync(_client, HttpMethod.Post, "/api/v2/templates", new CreateTemplateRequest { Name = "csrf-right" }, browser.CsrfToken);
        var token = (await IdentityApi.LoginAsync(_client)).AccessToken;
        using var bearer = await IdentityApi.SendAsync(_client, HttpMethod.Post, "/api/v2/templates", token, new CreateTemplateRequest { Name = "csrf-bearer" });

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var missingProblem = await IdentityApi.ProblemAsync(missing);
        Assert.Equal((HttpStatusCode.Forbidden, ProblemCodes.CsrfTokenInvalid), (missing.StatusCode, missingProblem.Code));
        Assert.Contains(CookieAuthenticationHandler.CsrfHeader, missingProblem.Detail, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Forbidden, ProblemCodes.CsrfTokenInvalid), (wrong.StatusCode, (await IdentityApi.ProblemAsync(wrong)).Code));
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        Assert.Equal(HttpStatusCode.Created, bearer.StatusCode);
    }

    [Fact]
    public async Task Sign_out_revokes_the_session_and_expires_both_cookies()
    {
        var browser = await BrowserSession.SignInAsync(_client);

        using var withoutCsrf = await browser.SendAsync(_client, HttpMethod.Delete, "/api/v2/users/browser-session");
        using var signOut = await browser.SendAsync(_client, HttpMethod.Delete, "/api/v2/users/browser-session", csrf: browser.CsrfToken);
        var cleared = SetCookieHeaderValue.ParseList([.. signOut.Headers.GetValues("Set-Cookie")]);
        using var after = await browser.SendAsync(_client, HttpMethod.Get, "/api/v2/users/me");

        Assert.Equal(HttpStatusCode.Forbidden, withoutCsrf.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.All(cleared, cookie => Assert.True(cookie.Expires < DateTimeOffset.UtcNow, $"{cookie.Name} is not expired"));
        Assert.Equal([CookieAuthenticationHandler.CsrfCookie, CookieAuthenticationHandler.SessionCookie], cleared.Select(c => c.Name.ToString()).Order(StringComparer.Ordinal));
        var afterProblem = await IdentityApi.ProblemAsync(after);
        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.TokenInvalid), (after.StatusCode, afterProblem.Code));
        Assert.Contains("sign in again", afterProblem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_cookie_expires_with_its_access_token()
    {
        var browser = await BrowserSession.SignInAsync(_client);
        fixture.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        using var expired = await browser.SendAsync(_client, HttpMethod.Get, "/api/v2/users/me");

        var problem = await IdentityApi.ProblemAsync(expired);
        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.TokenInvalid), (expired.StatusCode, problem.Code));
        Assert.Contains("expired", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_in_browsers_websocket_from_another_origin_is_refused()
    {
        var browser = await BrowserSession.SignInAsync(_client);
        var url = new UriBuilder(new Uri(fixture.BaseAddress, SessionApi.ClientPathFor(Guid.NewGuid()))) { Scheme = "ws" }.Uri;

        var foreign = await ConnectAsync(url, browser, "https://evil.example.com");
        var own = await ConnectAsync(url, browser, fixture.BaseAddress.GetLeftPart(UriPartial.Authority));

        Assert.Equal(HttpStatusCode.Forbidden, foreign);
        Assert.Equal(HttpStatusCode.NotFound, own);
    }

    private static async Task<HttpStatusCode> ConnectAsync(Uri url, BrowserSession browser, string origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Cookie", browser.CookieHeader);
        socket.Options.SetRequestHeader("Origin", origin);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, TestTimeouts.Token()).WithTimeout());
        return socket.HttpStatusCode;
    }
}

/// <summary>A server whose access URL is https: its cookies must be Secure.</summary>
public sealed class HttpsAccessUrlFixture : ClockedServerFixture
{
    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with { AccessUrl = new Uri("https://outpost.example.com") };
}

public sealed class SecureCookieTests(HttpsAccessUrlFixture fixture) : IClassFixture<HttpsAccessUrlFixture>
{
    [Fact]
    public async Task The_cookies_are_Secure_when_the_access_url_is_https()
    {
        var browser = await BrowserSession.SignInAsync(fixture.Client);

        Assert.All(browser.SetCookies, cookie => Assert.True(cookie.Secure, $"{cookie.Name} is not Secure"));
    }
}
