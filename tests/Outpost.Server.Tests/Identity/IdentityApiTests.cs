using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Server.Hosting;
using Outpost.Testing;
using static Outpost.Server.Tests.Identity.IdentityApi;

namespace Outpost.Server.Tests.Identity;

public sealed class IdentityServerFixture : ClockedServerFixture;

public sealed class IdentityApiTests(IdentityServerFixture fixture) : IClassFixture<IdentityServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task The_first_user_exists_now_and_a_second_first_user_is_refused()
    {
        using var probe = await Client.GetAsync(new Uri("/api/v2/users/first", UriKind.Relative)).WithTimeout();
        using var second = await CreateFirstUserAsync(Client, "other@example.com", "other");

        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("first user already exists", (await ProblemAsync(second)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_returns_an_hour_long_access_token_that_identifies_the_owner()
    {
        var login = await LoginAsync(Client);

        using var me = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", login.AccessToken);
        var user = await me.Content.ReadFromJsonAsync<User>(OutpostJson.Options);

        Assert.Equal(3600, login.ExpiresIn);
        Assert.Equal("Bearer", login.TokenType);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("owner", user!.Username);
        Assert.Equal("owner", user.Role);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_fail_identically()
    {
        using var wrongPassword = await LoginRawAsync(Client, OwnerEmail, "not-the-password");
        using var unknownEmail = await LoginRawAsync(Client, "nobody@example.com", OwnerPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        Assert.Equal("invalid email or password", (await ProblemAsync(wrongPassword)).Detail);
        Assert.Equal("invalid email or password", (await ProblemAsync(unknownEmail)).Detail);
    }

    [Theory]
    [InlineData(null, "authentication required")]
    [InlineData("garbage", "malformed")]
    [InlineData("abcdefghij-0123456789abcdefghij0123456789AB", "not recognized")]
    public async Task Requests_without_a_valid_token_get_401_saying_why(string? token, string reason)
    {
        using var response = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refresh_token_cannot_authenticate_requests()
    {
        var login = await LoginAsync(Client);

        using var response = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", login.RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("refresh token cannot authenticate", (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_rotates_the_refresh_token_and_issues_a_working_access_token()
    {
        var login = await LoginAsync(Client);

        using var refreshed = await RefreshRawAsync(Client, login.RefreshToken);
        var tokens = await refreshed.Content.ReadFromJsonAsync<OAuth2TokenResponse>(OutpostJson.Options);
        using var me = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", tokens!.AccessToken);

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal("no-store", refreshed.Headers.CacheControl?.ToString());
        Assert.NotEqual(login.RefreshToken, tokens.RefreshToken);
        Assert.NotEqual(login.AccessToken, tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task Reusing_a_spent_refresh_token_revokes_the_whole_family()
    {
        var login = await LoginAsync(Client);
        using var first = await RefreshRawAsync(Client, login.RefreshToken);
        var rotated = (await first.Content.ReadFromJsonAsync<OAuth2TokenResponse>(OutpostJson.Options))!;

        using var reuse = await RefreshRawAsync(Client, login.RefreshToken);
        using var rotatedRefresh = await RefreshRawAsync(Client, rotated.RefreshToken);
        using var rotatedAccess = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", rotated.AccessToken);
        using var originalAccess = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", login.AccessToken);

        Assert.Equal(HttpStatusCode.BadRequest, reuse.StatusCode);
        var reuseError = await OAuthErrorAsync(reuse);
        Assert.Equal("invalid_grant", reuseError.Error);
        Assert.Contains("already used", reuseError.ErrorDescription, StringComparison.Ordinal);
        Assert.Equal("invalid_grant", (await OAuthErrorAsync(rotatedRefresh)).Error);
        Assert.Equal(HttpStatusCode.Unauthorized, rotatedAccess.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, originalAccess.StatusCode);
        Assert.Contains("revoked", (await ProblemAsync(rotatedAccess)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_use_of_one_refresh_token_succeeds_once_and_counts_as_reuse()
    {
        var login = await LoginAsync(Client);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RefreshRawAsync(Client, login.RefreshToken))).WithTimeout();

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(4, responses.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
        var winner = (await responses.Single(r => r.StatusCode == HttpStatusCode.OK).Content.ReadFromJsonAsync<OAuth2TokenResponse>(OutpostJson.Options))!;
        using var after = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", winner.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Theory]
    [InlineData("grant_type=password&username=x", "unsupported_grant_type")]
    [InlineData("grant_type=refresh_token", "invalid_request")]
    [InlineData("refresh_token=x", "invalid_request")]
    [InlineData("grant_type=refresh_token&refresh_token=nonsense", "invalid_grant")]
    public async Task The_token_endpoint_answers_rfc_6749_errors(string form, string error)
    {
        using var content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await Client.PostAsync(new Uri("/oauth2/token", UriKind.Relative), content).WithTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await OAuthErrorAsync(response)).Error);
    }

    [Fact]
    public async Task An_expired_access_token_is_refused_and_the_refresh_still_works()
    {
        var login = await LoginAsync(Client);
        fixture.Clock.Advance(TimeSpan.FromMinutes(61));

        using var expired = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", login.AccessToken);
        using var refreshed = await RefreshRawAsync(Client, login.RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", (await ProblemAsync(expired)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_session_with_its_access_and_refresh_tokens()
    {
        var login = await LoginAsync(Client);

        using var logout = await SendAsync(Client, HttpMethod.Post, "/api/v2/users/logout", login.AccessToken);
        using var access = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", login.AccessToken);
        using var refresh = await RefreshRawAsync(Client, login.RefreshToken);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, access.StatusCode);
        Assert.Equal("invalid_grant", (await OAuthErrorAsync(refresh)).Error);
    }

    [Fact]
    public async Task A_refresh_racing_a_logout_never_leaves_a_usable_token()
    {
        for (var i = 0; i < 10; i++)
        {
            var login = await LoginAsync(Client);
            var refresh = RefreshRawAsync(Client, login.RefreshToken);
            var logout = SendAsync(Client, HttpMethod.Post, "/api/v2/users/logout", login.AccessToken);
            using var refreshed = await refresh;
            using var loggedOut = await logout;

            Assert.Equal(HttpStatusCode.NoContent, loggedOut.StatusCode);
            if (refreshed.StatusCode == HttpStatusCode.OK)
            {
                var tokens = (await refreshed.Content.ReadFromJsonAsync<OAuth2TokenResponse>(OutpostJson.Options))!;
                using var me = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", tokens.AccessToken);
                using var again = await RefreshRawAsync(Client, tokens.RefreshToken);
                Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
                Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
            }
        }
    }

    [Fact]
    public async Task Api_tokens_are_shown_once_listed_without_secrets_usable_and_revocable()
    {
        var login = await LoginAsync(Client);
        var name = $"ci-{Guid.NewGuid():N}"[..12];

        using var created = await SendAsync(Client, HttpMethod.Post, "/api/v2/users/me/keys/tokens", login.AccessToken, new CreateTokenRequest { TokenName = name, LifetimeSeconds = 3600 });
        var token = (await created.Content.ReadFromJsonAsync<CreateTokenResponse>(OutpostJson.Options))!;
        using var duplicate = await SendAsync(Client, HttpMethod.Post, "/api/v2/users/me/keys/tokens", login.AccessToken, new CreateTokenRequest { TokenName = name });
        using var list = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me/keys/tokens", login.AccessToken);
        var listText = await list.Content.ReadAsStringAsync();
        using var used = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", token.Key);
        using var revoked = await SendAsync(Client, HttpMethod.Delete, $"/api/v2/users/me/keys/tokens/{name}", login.AccessToken);
        using var afterRevoke = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", token.Key);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains(token.Token.Id, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Key, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Key[(token.Token.Id.Length + 1)..], listText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(400L * 24 * 3600)]
    public async Task Api_token_lifetimes_out_of_bounds_are_refused(long seconds)
    {
        var login = await LoginAsync(Client);

        using var response = await SendAsync(Client, HttpMethod.Post, "/api/v2/users/me/keys/tokens", login.AccessToken, new CreateTokenRequest { TokenName = "x", LifetimeSeconds = seconds });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("lifetime_seconds", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Owners_create_admins_admins_create_members_but_not_owners_and_members_create_nobody()
    {
        var owner = await LoginAsync(Client);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var admin = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", owner.AccessToken,
            new CreateUserRequest { Email = $"admin-{suffix}@example.com", Username = $"admin-{suffix}", Password = "admin-password", Role = "admin" });
        var adminLogin = await LoginAsync(Client, $"admin-{suffix}@example.com", "admin-password");

        using var member = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", adminLogin.AccessToken,
            new CreateUserRequest { Email = $"member-{suffix}@example.com", Username = $"member-{suffix}", Password = "member-password" });
        using var ownerByAdmin = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", adminLogin.AccessToken,
            new CreateUserRequest { Email = $"o-{suffix}@example.com", Username = $"o-{suffix}", Password = "owner-password", Role = "owner" });
        var memberLogin = await LoginAsync(Client, $"member-{suffix}@example.com", "member-password");
        using var byMember = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", memberLogin.AccessToken,
            new CreateUserRequest { Email = $"x-{suffix}@example.com", Username = $"x-{suffix}", Password = "whatever-pw" });
        using var listByMember = await SendAsync(Client, HttpMethod.Get, "/api/v2/users", memberLogin.AccessToken);
        using var listByAdmin = await SendAsync(Client, HttpMethod.Get, "/api/v2/users", adminLogin.AccessToken);

        Assert.Equal(HttpStatusCode.Created, admin.StatusCode);
        Assert.Equal(HttpStatusCode.Created, member.StatusCode);
        Assert.Equal("member", (await member.Content.ReadFromJsonAsync<User>(OutpostJson.Options))!.Role);
        Assert.Equal(HttpStatusCode.Forbidden, ownerByAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Contains("your role (member) may not create User", (await ProblemAsync(byMember)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, listByMember.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listByAdmin.StatusCode);
    }

    [Fact]
    public async Task Invalid_users_are_refused_with_every_field_named_and_nothing_created()
    {
        var owner = await LoginAsync(Client);

        using var response = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", owner.AccessToken,
            new CreateUserRequest { Email = "not-an-email", Username = "bad name!", Password = "short", Role = "king" });
        var body = await response.Content.ReadAsStringAsync();
        using var duplicate = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", owner.AccessToken,
            new CreateUserRequest { Email = OwnerEmail.ToUpperInvariant(), Username = "someone-new", Password = "long-enough-pw" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        foreach (var field in new[] { "email", "username", "password", "role" })
        {
            Assert.Contains($"\"{field}\"", body, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains("email already exists", (await ProblemAsync(duplicate)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_endpoint_declares_who_may_call_it()
    {
        var endpoints = fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.NotEmpty(endpoints);
        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetMetadata<IAuthorizeData>() is null && e.Metadata.GetMetadata<AuthorizationPolicy>() is null)
            .Select(e => e.RoutePattern.RawText)
            .ToList();
        Assert.Empty(undeclared);
    }
}

public sealed class RateLimitedServerFixture : ServerFixture
{
    internal override ServerOptions Customize(ServerOptions options) =>
        options with { Identity = options.Identity with { LoginAttemptsPerAccount = 3, LoginAttemptsPerAddress = 6, LoginWindow = TimeSpan.FromMinutes(10) } };
}

public sealed class LoginRateLimitTests(RateLimitedServerFixture fixture) : IClassFixture<RateLimitedServerFixture>
{
    [Fact]
    public async Task Login_attempts_are_limited_per_account_then_per_address()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await LoginRawAsync(fixture.Client, "victim@example.com", "guess-" + i);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Contains("for this account", (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
            }
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);

        HttpStatusCode last = default;
        string detail = string.Empty;
        for (var i = 0; i < 3; i++)
        {
            using var response = await LoginRawAsync(fixture.Client, $"other{i}@example.com", "guess");
            last = response.StatusCode;
            detail = last == HttpStatusCode.TooManyRequests ? (await ProblemAsync(response)).Detail ?? string.Empty : detail;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        Assert.Contains("from this address", detail, StringComparison.Ordinal);
    }
}

public sealed class FirstUserRaceTests
{
    [Fact]
    public async Task Concurrent_first_user_requests_create_exactly_one_owner()
    {
        await using var fixture = new DisposableServer();
        await fixture.StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            CreateFirstUserAsync(fixture.Client, $"owner{i}@example.com", $"owner{i}"))).WithTimeout();

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    private sealed class DisposableServer : IAsyncDisposable
    {
        private readonly ServerFixture _fixture = new();

        public HttpClient Client => _fixture.Client;

        public Task StartAsync() => _fixture.InitializeAsync();

        public async ValueTask DisposeAsync() => await _fixture.DisposeAsync();
    }
}
