using System.Net;
using Outpost.Cli.Tests.Workspaces;
using Outpost.Telemetry.Auth;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Auth;

/// <summary>
/// Issue 14 point 4: a long-running command (here <c>watch</c>, which holds a server-sent-event
/// stream as <c>logs --follow</c> and followed builds do) refreshes the access token ten minutes
/// before it expires, on the client's clock, recording <c>auth.token_refreshed</c> with trigger
/// <c>background</c>.
/// </summary>
public sealed class BackgroundRefreshTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly WorkspaceTestBed _bed = new(server);
    private readonly SocketsHttpHandler _socket = new();

    public void Dispose()
    {
        _socket.Dispose();
        _bed.Dispose();
    }

    [Fact]
    public async Task A_watch_refreshes_the_access_token_in_the_background_before_it_expires()
    {
        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("templates", "init", _bed.Directory)).ExitCode);
        Assert.Equal(0, (await _bed.PushAsync(cli, "refreshing")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("create", "kept-fresh", "--template", "refreshing", "--no-wait")).ExitCode);
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
        var watches = new DroppingWatchTransport(_socket) { Shared = true };
        var refreshes = new SemaphoreSlim(0);
        cli.WrapTransport = inner =>
        {
            inner.Dispose();
            return new TokenResponses(watches, refreshes);
        };

        // The client's clock from here on: the stored expiry (an hour after login) is about 50 minutes ahead.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        cli.Time = clock;
        var watch = cli.RunAsync("watch", "kept-fresh");
        await watches.WatchesOpened.WaitAsync().WithTimeout();
        clock.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(0, refreshes.CurrentCount);
        clock.Advance(TimeSpan.FromMinutes(1));
        await refreshes.WaitAsync().WithTimeout();

        // The watch ends by itself once the workspace is deleted.
        Assert.Equal(0, (await cli.RunAsync("delete", "kept-fresh", "--yes", "--no-wait")).ExitCode);
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
        var run = await watch.WithTimeout();

        Assert.True(run.ExitCode == 0, run.Stderr);
        var refreshed = Assert.Single(cli.Events(AuthTelemetry.TokenRefreshed));
        Assert.Equal("background", refreshed.Properties["trigger"]);
        Assert.Equal("success", refreshed.Properties["result"]);
        var watchSession = Assert.Single(cli.Events("cli_invocation"), e => e.Properties["command"] == "watch").Context.SessionId;
        Assert.Equal(watchSession, refreshed.Context.SessionId);
        Assert.Empty(cli.Events(AuthTelemetry.UnauthorizedIntercepted));
    }

    /// <summary>Counts answered token-endpoint calls; the shared inner transport stays usable for the next client.</summary>
    private sealed class TokenResponses(HttpMessageHandler inner, SemaphoreSlim answered) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath == "/oauth2/token" && response.StatusCode == HttpStatusCode.OK)
            {
                // Read before signalling, so the client has the new tokens by the time the test goes on.
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                answered.Release();
            }

            return response;
        }

        protected override void Dispose(bool disposing)
        {
            // The inner handler is shared by every client of the runs; it is disposed by the test.
        }
    }
}
