using Outpost.Cli.Hosting;
using Outpost.Cli.Invocations;
using Outpost.Sdk.Client;
using Outpost.Telemetry;
using Outpost.Telemetry.Auth;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Auth;

/// <summary>Issue 14 point 5: what the user can fix is a user_error with its own exit code, and every failure says what it was.</summary>
public sealed class OutcomeClassificationTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private readonly string _url = server.BaseAddress.ToString();

    [Fact]
    public async Task A_wrong_password_is_a_user_error_with_its_own_exit_code_and_an_auth_login_span()
    {
        using var cli = new TestCli();

        var wrong = await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", "not-the-password-1");
        var right = await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        var logout = await cli.RunAsync("logout");

        Assert.Equal(ExitCodes.LoginRefused, wrong.ExitCode);
        Assert.Equal(0, right.ExitCode);
        Assert.Equal(0, logout.ExitCode);
        var entries = Invocations(cli);
        Assert.Equal(["user_error", "success", "success"], entries.Select(e => e.Properties["status"]));
        Assert.Equal(nameof(OutpostApiException), entries[0].Properties["errorType"]);
        Assert.False(string.IsNullOrEmpty(entries[0].Properties["errorMessage"]));
        Assert.False(entries[1].Properties.ContainsKey("errorType"));

        var logins = cli.Events(AuthTelemetry.Login).OrderBy(e => e.Timestamp).ToList();
        Assert.Equal(["user_error", "success"], logins.Select(e => e.Properties["outcome"]));
        Assert.Equal(["error", "success"], logins.Select(e => e.Properties["result"]));
        Assert.Equal(nameof(OutpostApiException), logins[0].Error!.Type);
        Assert.Null(logins[1].Error);
        var logoutSpan = Assert.Single(cli.Events(AuthTelemetry.Logout));
        Assert.Equal("success", logoutSpan.Properties["outcome"]);
        Assert.Equal("success", logoutSpan.Properties["result"]);
        var text = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.DoesNotContain("not-the-password-1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_workspace_is_a_user_error_and_a_failed_retry_puts_its_error_on_the_intercept_span()
    {
        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        server.Clock.Advance(TimeSpan.FromMinutes(61));

        // The expired token is refreshed, and the retried request answers 404.
        var show = await cli.RunAsync("show", "no-such-workspace");

        Assert.True(show.ExitCode == ExitCodes.NotFound, show.Stderr);
        var entry = Invocations(cli)[^1];
        Assert.Equal("user_error", entry.Properties["status"]);
        Assert.Equal(ExitCodes.NotFound.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Properties["exitCode"]);
        Assert.Equal(nameof(OutpostApiException), entry.Properties["errorType"]);
        Assert.False(string.IsNullOrEmpty(entry.Properties["errorMessage"]));
        var intercepted = Assert.Single(cli.Events(AuthTelemetry.UnauthorizedIntercepted));
        Assert.Equal("refresh_success", intercepted.Properties["recovery"]);
        Assert.Equal("error", intercepted.Properties["result"]);
        Assert.NotNull(intercepted.Error);
        Assert.Equal(nameof(OutpostApiException), intercepted.Error.Type);
        Assert.False(string.IsNullOrEmpty(intercepted.Error.Message));
        Assert.NotNull(intercepted.Error.Code);
    }

    [Fact]
    public async Task Every_failed_invocation_carries_an_error_type_and_message()
    {
        using var cli = new TestCli();

        await cli.RunAsync("whoami");
        await cli.RunAsync("telemetry", "export", "--format", "xml");
        await cli.RunAsync("no-such-verb", "-S3cretValue9");
        await cli.RunAsync("telemetry", "export", "--since", "2026-05-02", "--until", "2026-05-01");

        var entries = Invocations(cli);
        Assert.Equal(4, entries.Count);
        Assert.All(entries, e => Assert.Equal("user_error", e.Properties["status"]));
        Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.Properties["errorType"])));
        Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.Properties["errorMessage"])));
        Assert.Equal(["NotLoggedIn", "UsageError", "UsageError", "UsageError"], entries.Select(e => e.Properties["errorType"]));
        var text = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.DoesNotContain("S3cretValue9", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(409, ExitCodes.Refused)]
    [InlineData(400, ExitCodes.InvalidRequest)]
    [InlineData(422, ExitCodes.InvalidRequest)]
    [InlineData(500, ExitCodes.Failure)]
    [InlineData(403, ExitCodes.Failure)]
    public void Refusals_are_classified_by_http_status_never_by_message_text(int status, int exitCode)
    {
        Assert.Equal(exitCode, CommandRunner.ExitCodeOf(new OutpostApiException(status, "still running, or anything else")));
    }

    [Theory]
    [InlineData(ExitCodes.LoginRefused, "user_error")]
    [InlineData(ExitCodes.NotFound, "user_error")]
    [InlineData(ExitCodes.Refused, "user_error")]
    [InlineData(ExitCodes.InvalidRequest, "user_error")]
    [InlineData(ExitCodes.WorkspaceBusy, "user_error")]
    [InlineData(ExitCodes.Usage, "user_error")]
    [InlineData(ExitCodes.Failure, "error")]
    [InlineData(ExitCodes.BuildFailed, "error")]
    [InlineData(ExitCodes.Interrupted, "error")]
    public void Exit_codes_map_to_their_status(int exitCode, string status)
    {
        Assert.Equal(status, InvocationStatus.FromExitCode(exitCode));
    }

    [Fact]
    public void The_new_exit_codes_are_distinct()
    {
        var codes = typeof(ExitCodes).GetFields().Select(f => (int)f.GetValue(null)!).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    private static List<TelemetryEvent> Invocations(TestCli cli) =>
        [.. cli.Events(InvocationRecorder.EventName).OrderBy(e => e.Properties["startedAt"], StringComparer.Ordinal).ThenBy(e => e.Timestamp)];
}
