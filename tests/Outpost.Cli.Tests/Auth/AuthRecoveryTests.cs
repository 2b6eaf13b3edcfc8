using System.Net;
using Outpost.Cli.Sessions;
using Outpost.Telemetry.Auth;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Auth;

/// <summary>
/// The client's auth recovery against the real server: refresh on 401, single-flight refresh,
/// reuse detection, the re-login prompt, and the telemetry of each (seed 000 names).
/// </summary>
public sealed class AuthRecoveryTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private readonly string _url = server.BaseAddress.ToString();

    [Fact]
    public async Task An_expired_access_token_is_refreshed_transparently()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        var before = await ReadSessionAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));

        var whoami = await cli.RunAsync("whoami");

        Assert.Equal(0, whoami.ExitCode);
        Assert.StartsWith("owner <owner@example.com> (owner)", whoami.Stdout, StringComparison.Ordinal);
        var refreshed = Assert.Single(cli.Events(AuthTelemetry.TokenRefreshed));
        Assert.Equal("reactive", refreshed.Properties["trigger"]);
        Assert.Equal("success", refreshed.Properties["result"]);
        var intercepted = Assert.Single(cli.Events(AuthTelemetry.UnauthorizedIntercepted));
        Assert.Equal("refresh_success", intercepted.Properties["recovery"]);
        Assert.Equal("true", intercepted.Properties["refreshAttempted"]);
        Assert.Equal("success", intercepted.Properties["result"]);
        Assert.True(intercepted.Measurements["durationMs"] >= refreshed.Measurements["durationMs"]);
        var after = await ReadSessionAsync(cli);
        Assert.NotEqual(before.RefreshToken, after.RefreshToken);
        Assert.NotEqual(before.AccessToken, after.AccessToken);
    }

    [Fact]
    public async Task Ten_concurrent_401s_produce_one_refresh_span_and_nine_deduped_logs()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        // Hold the refresh until all ten requests have been refused, so all ten must share it.
        var gate = new RefreshGate(unauthorizedBeforeRefresh: 10);
        cli.WrapTransport = inner => gate.Wrap(inner);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        await using (var context = cli.CreateContext(stdout, stderr))
        {
            var (connected, problem) = context.Connect();
            Assert.Null(problem);
            var client = connected!;
            await using (client)
            {
                var users = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.Api.GetMeAsync(CancellationToken.None))).WithTimeout();
                Assert.All(users, u => Assert.Equal("owner", u.Username));
            }
        }

        Assert.Single(cli.Events(AuthTelemetry.TokenRefreshed));
        var deduped = cli.Events(AuthTelemetry.TokenRefreshDeduped);
        Assert.Equal(9, deduped.Count);
        Assert.All(deduped, e => Assert.Equal("reactive", e.Properties["trigger"]));
        Assert.All(deduped, e => Assert.Null(e.TraceId));
        var intercepted = cli.Events(AuthTelemetry.UnauthorizedIntercepted);
        Assert.Equal(10, intercepted.Count);
        Assert.All(intercepted, e => Assert.Equal("refresh_success", e.Properties["recovery"]));
        Assert.Equal(1, gate.RefreshRequests);
    }

    [Fact]
    public async Task A_reused_refresh_token_revokes_the_family_and_the_client_reports_login_required()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        await StealAndUseRefreshTokenAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        var prompter = new ScriptedPrompter([null]);
        cli.Prompter = prompter;

        var whoami = await cli.RunAsync("whoami");

        Assert.Equal(ExitCodes.SessionExpired, whoami.ExitCode);
        Assert.Contains("session expired: run outpost login", whoami.Stderr, StringComparison.Ordinal);
        Assert.Equal(["password for owner@example.com"], prompter.Questions);
        var refreshed = Assert.Single(cli.Events(AuthTelemetry.TokenRefreshed));
        Assert.Equal("error", refreshed.Properties["result"]);
        Assert.Contains("already used", refreshed.Error!.Message, StringComparison.Ordinal);
        var intercepted = Assert.Single(cli.Events(AuthTelemetry.UnauthorizedIntercepted));
        Assert.Equal("login_required", intercepted.Properties["recovery"]);
        Assert.Equal("true", intercepted.Properties["refreshAttempted"]);
        Assert.Equal("error", intercepted.Properties["result"]);
        var prompted = Assert.Single(cli.Events(AuthTelemetry.LoginPrompted));
        Assert.Equal("auth_required", prompted.Properties["trigger"]);
        Assert.Equal("aborted", prompted.Properties["result"]);
        Assert.Equal("user_dismissed", prompted.Properties["reason"]);
        Assert.Null(prompted.Error);
    }

    [Fact]
    public async Task After_reuse_the_password_prompt_recovers_the_session_and_retries()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        await StealAndUseRefreshTokenAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        cli.Prompter = new ScriptedPrompter(ClockedServerFixture.OwnerPassword);

        var whoami = await cli.RunAsync("whoami");

        Assert.Equal(0, whoami.ExitCode);
        var intercepted = Assert.Single(cli.Events(AuthTelemetry.UnauthorizedIntercepted));
        Assert.Equal("login_required", intercepted.Properties["recovery"]);
        Assert.Equal("success", intercepted.Properties["result"]);
        var prompted = Assert.Single(cli.Events(AuthTelemetry.LoginPrompted));
        Assert.Equal("success", prompted.Properties["result"]);
        Assert.False(prompted.Properties.ContainsKey("reason"));
        Assert.Equal(0, (await cli.RunAsync("whoami")).ExitCode);
    }

    [Fact]
    public async Task A_wrong_password_at_the_prompt_is_recorded_as_auth_failed()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        await StealAndUseRefreshTokenAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        cli.Prompter = new ScriptedPrompter("not-my-password");

        var whoami = await cli.RunAsync("whoami");

        Assert.Equal(ExitCodes.SessionExpired, whoami.ExitCode);
        var prompted = Assert.Single(cli.Events(AuthTelemetry.LoginPrompted));
        Assert.Equal("error", prompted.Properties["result"]);
        Assert.Equal("auth_failed", prompted.Properties["reason"]);
        Assert.Null(prompted.Error);
    }

    [Fact]
    public async Task Without_a_terminal_an_unrecoverable_session_fails_with_recovery_none()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        await StealAndUseRefreshTokenAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));

        var whoami = await cli.RunAsync("whoami");

        Assert.Equal(ExitCodes.SessionExpired, whoami.ExitCode);
        Assert.Equal("error: session expired: run outpost login", whoami.Stderr.Trim());
        var intercepted = Assert.Single(cli.Events(AuthTelemetry.UnauthorizedIntercepted));
        Assert.Equal("none", intercepted.Properties["recovery"]);
        Assert.Equal("true", intercepted.Properties["refreshAttempted"]);
        Assert.Equal("error", intercepted.Properties["result"]);
        Assert.Equal("session expired: run outpost login", intercepted.Error!.Message);
        Assert.Empty(cli.Events(AuthTelemetry.LoginPrompted));
    }

    [Fact]
    public async Task A_server_unreachable_during_the_refresh_is_reported_as_such_and_the_session_survives()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        var before = await ReadSessionAsync(cli);
        cli.WrapTransport = inner => new FailingRefreshTransport(inner);

        var failed = await cli.RunAsync("whoami");
        var afterFailure = await ReadSessionAsync(cli);
        cli.WrapTransport = null;
        var recovered = await cli.RunAsync("whoami");

        Assert.Equal(ExitCodes.Unreachable, failed.ExitCode);
        Assert.Contains("cannot reach the server", failed.Stderr, StringComparison.Ordinal);
        Assert.Equal(before.RefreshToken, afterFailure.RefreshToken);
        Assert.Equal(0, recovered.ExitCode);
        Assert.Equal(2, cli.Events(AuthTelemetry.TokenRefreshed).Count);
        Assert.Equal(["error", "success"], cli.Events(AuthTelemetry.TokenRefreshed).Select(e => e.Properties["result"]));
    }

    [Fact]
    public async Task No_token_ever_appears_in_telemetry()
    {
        using var cli = new TestCli();
        await LoginAsync(cli);
        var first = await ReadSessionAsync(cli);
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        await cli.RunAsync("whoami");
        var second = await ReadSessionAsync(cli);

        var text = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));

        Assert.NotEmpty(text);
        foreach (var secret in new[] { first.AccessToken, first.RefreshToken!, second.AccessToken, second.RefreshToken!, ClockedServerFixture.OwnerPassword })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[11..], text, StringComparison.Ordinal);
        }
    }

    private async Task LoginAsync(TestCli cli)
    {
        var login = await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.True(login.ExitCode == 0, login.Stderr);
    }

    private async Task StealAndUseRefreshTokenAsync(TestCli cli)
    {
        var session = await ReadSessionAsync(cli);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = session.RefreshToken! });
        using var response = await server.Client.PostAsync(new Uri("/oauth2/token", UriKind.Relative), content).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<StoredSession> ReadSessionAsync(TestCli cli) =>
        System.Text.Json.JsonSerializer.Deserialize(await File.ReadAllTextAsync(cli.SessionPath), SessionJsonContext.Default.StoredSession)!;
}

/// <summary>Holds the token-endpoint call until N requests have been answered 401.</summary>
internal sealed class RefreshGate(int unauthorizedBeforeRefresh)
{
    private readonly int _threshold = unauthorizedBeforeRefresh;
    private readonly TaskCompletionSource _enough = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _unauthorized;
    private int _refreshes;

    public int RefreshRequests => Volatile.Read(ref _refreshes);

    public HttpMessageHandler Wrap(HttpMessageHandler inner) => new Handler(this, inner);

    private sealed class Handler(RefreshGate gate, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == "/oauth2/token")
            {
                Interlocked.Increment(ref gate._refreshes);
                await gate._enough.Task.WithTimeout();
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && Interlocked.Increment(ref gate._unauthorized) >= gate._threshold)
            {
                gate._enough.TrySetResult();
            }

            return response;
        }
    }
}

/// <summary>The server going away exactly when the refresh is sent: the request never arrives.</summary>
internal sealed class FailingRefreshTransport(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.RequestUri!.AbsolutePath == "/oauth2/token"
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (simulated restart)")
            : base.SendAsync(request, cancellationToken);
}
