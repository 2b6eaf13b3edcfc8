using System.Text.Json;
using Outpost.Cli.Sessions;
using Outpost.Sdk;
using Outpost.Telemetry.Auth;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Auth;

public sealed class LoginCommandTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private readonly string _url = server.BaseAddress.ToString();

    [Fact]
    public async Task Password_login_stores_a_private_session_and_whoami_shows_the_user()
    {
        using var cli = new TestCli();

        var login = await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        var whoami = await cli.RunAsync("whoami", "--output", "json");

        Assert.Equal(0, login.ExitCode);
        Assert.Empty(login.Stdout);
        Assert.Contains("Logged in to", login.Stderr, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.SessionPath));
        Assert.Equal(0, whoami.ExitCode);
        var me = JsonSerializer.Deserialize(whoami.Stdout, OutpostJsonContext.Default.User)!;
        Assert.Equal("owner", me.Username);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_stores_nothing()
    {
        using var cli = new TestCli();

        var login = await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", "wrong-password");

        Assert.Equal(ExitCodes.LoginRefused, login.ExitCode);
        Assert.Contains("invalid email or password", login.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.SessionPath));
    }

    [Fact]
    public async Task Without_a_terminal_missing_credentials_are_a_usage_error()
    {
        using var cli = new TestCli();

        var login = await cli.RunAsync("login", _url);

        Assert.Equal(ExitCodes.Usage, login.ExitCode);
        Assert.Contains("--email and --password are required", login.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_url_is_explained()
    {
        using var cli = new TestCli();

        var login = await cli.RunAsync("login", "http://127.0.0.1:1", "--email", "a@b.c", "--password", "x");

        Assert.Equal(ExitCodes.Unreachable, login.ExitCode);
        Assert.Contains("cannot reach the server", login.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_that_need_a_session_say_how_to_get_one()
    {
        using var cli = new TestCli();

        var whoami = await cli.RunAsync("whoami");

        Assert.Equal(ExitCodes.NotLoggedIn, whoami.ExitCode);
        Assert.Contains("not logged in: run outpost login <url>", whoami.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_revokes_the_session_on_the_server_and_deletes_the_file()
    {
        using var cli = new TestCli();
        await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        var session = JsonSerializer.Deserialize(await File.ReadAllTextAsync(cli.SessionPath), SessionJsonContext.Default.StoredSession)!;

        var logout = await cli.RunAsync("logout");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/users/me");
        request.Headers.Authorization = new("Bearer", session.AccessToken);
        using var after = await server.Client.SendAsync(request).WithTimeout();

        Assert.Equal(0, logout.ExitCode);
        Assert.False(File.Exists(cli.SessionPath));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Api_tokens_are_created_listed_used_with_login_token_and_revoked()
    {
        using var owner = new TestCli();
        using var robot = new TestCli();
        await owner.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        var name = $"ci-{Guid.NewGuid():N}"[..10];

        var created = await owner.RunAsync("tokens", "create", "--name", name, "--lifetime", "2h");
        var key = created.Stdout.Trim();
        var list = await owner.RunAsync("tokens", "list", "--output", "json");
        var table = await owner.RunAsync("tokens", "list");
        var robotLogin = await robot.RunAsync("login", _url, "--token", key);
        var robotWhoami = await robot.RunAsync("whoami");
        var revoke = await owner.RunAsync("tokens", "revoke", name);
        var afterRevoke = await robot.RunAsync("whoami");

        Assert.Equal(0, created.ExitCode);
        Assert.Matches("^[a-z0-9]{10}-[A-Za-z0-9]{32}$", key);
        var tokens = JsonSerializer.Deserialize(list.Stdout, OutpostJsonContext.Default.ListApiToken)!;
        var token = Assert.Single(tokens, t => t.TokenName == name);
        Assert.InRange(token.ExpiresAt - token.CreatedAt, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(key[11..], list.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("ID", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(name, table.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, robotLogin.ExitCode);
        Assert.Equal(0, robotWhoami.ExitCode);
        Assert.Equal(0, revoke.ExitCode);
        Assert.Equal(ExitCodes.SessionExpired, afterRevoke.ExitCode);
    }

    [Theory]
    [InlineData("forever")]
    [InlineData("0d")]
    [InlineData("10y")]
    public async Task A_bad_token_lifetime_is_a_usage_error(string lifetime)
    {
        using var cli = new TestCli();
        await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);

        var created = await cli.RunAsync("tokens", "create", "--name", "x", "--lifetime", lifetime);

        Assert.Equal(ExitCodes.Usage, created.ExitCode);
        Assert.Contains("is not a duration", created.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Background_refresh_happens_ten_minutes_before_expiry_by_the_clients_own_clock_even_when_skewed()
    {
        // The client's clock runs 45 minutes ahead of the server's: expiry is stored relative to
        // the client's clock at receipt, so the skew cannot make it refresh early or late.
        var clientClock = new FakeTimeProvider(server.Clock.GetUtcNow() + TimeSpan.FromMinutes(45));
        using var cli = new TestCli { Time = clientClock };
        await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        await using (var context = cli.CreateContext(stdout, stderr))
        {
            var client = context.Connect().Client!;
            await using (client)
            {
                var refreshed = new TaskCompletionSource<StoredSession>(TaskCreationOptions.RunContinuationsAsynchronously);
                client.Session.SessionChanged += s => refreshed.TrySetResult(s);
                client.Session.StartBackgroundRefresh();

                clientClock.Advance(TimeSpan.FromMinutes(49));
                Assert.False(refreshed.Task.IsCompleted);
                clientClock.Advance(TimeSpan.FromMinutes(1));
                var session = await refreshed.Task.WithTimeout();

                Assert.Equal(clientClock.GetUtcNow().AddHours(1), session.AccessExpiresAt);
                Assert.Equal("owner", (await client.Api.GetMeAsync(CancellationToken.None).WithTimeout()).Username);
            }
        }

        var span = Assert.Single(cli.Events(AuthTelemetry.TokenRefreshed));
        Assert.Equal("background", span.Properties["trigger"]);
        Assert.Equal("success", span.Properties["result"]);
    }
}

public sealed class FirstUserLoginTests(EmptyDeploymentFixture server) : IClassFixture<EmptyDeploymentFixture>
{
    [Fact]
    public async Task Login_offers_first_user_setup_and_refuses_without_a_terminal_or_flags()
    {
        var url = server.BaseAddress.ToString();
        using var headless = new TestCli();
        var refused = await headless.RunAsync("login", url);

        using var cli = new TestCli { Prompter = new ScriptedPrompter("y", "founder", "founder@example.com", "founder-password", "founder-password") };
        var login = await cli.RunAsync("login", url);
        var whoami = await cli.RunAsync("whoami", "--output", "json");

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("--first-user-username", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, login.ExitCode);
        Assert.Contains("Created the first user, founder, as owner.", login.Stderr, StringComparison.Ordinal);
        var me = JsonSerializer.Deserialize(whoami.Stdout, OutpostJsonContext.Default.User)!;
        Assert.Equal("owner", me.Role);
    }
}
