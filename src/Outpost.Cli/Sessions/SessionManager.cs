using Microsoft.Extensions.Logging;
using Outpost.Sdk.Client;
using Outpost.Sdk.Users;
using Outpost.Telemetry;
using Outpost.Telemetry.Auth;

namespace Outpost.Cli.Sessions;

/// <summary>
/// Owns the stored session of one deployment: single-flight refresh (concurrent callers share one
/// exchange), a background refresh ten minutes before expiry for long-running commands, and the
/// re-login prompt. Follows the session-manager rules of the telemetry spec §5.3.
/// </summary>
internal sealed partial class SessionManager : IAsyncDisposable
{
    public static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(5);

    private readonly SessionFile _file;
    private readonly OutpostApiClient _anonymous;
    private readonly ITelemetryReporter _telemetry;
    private readonly TimeProvider _time;
    private readonly ILoginPrompter? _prompter;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private StoredSession _session;
    private Task<StoredSession>? _refreshInFlight;
    private Task<bool>? _promptInFlight;
    private ITimer? _backgroundTimer;
    private bool _backgroundStarted;

    public SessionManager(StoredSession session, SessionFile file, OutpostApiClient anonymous, ITelemetryReporter telemetry,
        TimeProvider time, ILoginPrompter? prompter, ILogger logger)
    {
        _session = session;
        _file = file;
        _anonymous = anonymous;
        _telemetry = telemetry;
        _time = time;
        _prompter = prompter;
        _logger = logger;
    }

    public StoredSession Session
    {
        get
        {
            lock (_gate)
            {
                return _session;
            }
        }
    }

    public string AccessToken => Session.AccessToken;

    /// <summary>Raised after new tokens are stored (refresh or re-login), off the caller's lock.</summary>
    public event Action<StoredSession>? SessionChanged;

    /// <summary>True for a password session: its access token can be refreshed (spec: "logged in with OAuth").</summary>
    public bool CanRefresh => Session.RefreshToken is not null;

    public bool CanPrompt => _prompter is not null && Session.Email is not null;

    /// <summary>
    /// Exchanges the refresh token, or joins the exchange already in flight (whatever its trigger);
    /// a joining caller records <c>auth.token_refresh.deduped</c> with its own trigger.
    /// </summary>
    public Task<StoredSession> RefreshAsync(string trigger, CancellationToken cancellationToken)
    {
        TaskCompletionSource<StoredSession> flight;
        lock (_gate)
        {
            if (_refreshInFlight is { } existing)
            {
                Log.RefreshJoined(_logger, trigger);
                _telemetry.Log(AuthTelemetry.TokenRefreshDeduped, new TelemetryProperties { { AuthTelemetry.Trigger, trigger } });
                return existing.WaitAsync(cancellationToken);
            }

            flight = new TaskCompletionSource<StoredSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            _refreshInFlight = flight.Task;
        }

        _ = RunRefreshAsync(trigger, flight);
        return flight.Task.WaitAsync(cancellationToken);
    }

    private async Task RunRefreshAsync(string trigger, TaskCompletionSource<StoredSession> flight)
    {
        try
        {
            var refreshed = await _telemetry.TraceAsync(AuthTelemetry.TokenRefreshed, async (span, token) =>
            {
                var current = Session;
                if (current.RefreshToken is null)
                {
                    throw new InvalidOperationException("No refresh token available");
                }

                // The exchange is not tied to any one caller's cancellation: joiners share it.
                var response = await _anonymous.RefreshAsync(current.RefreshToken, token).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                var next = current with
                {
                    AccessToken = response.AccessToken,
                    AccessExpiresAt = now.AddSeconds(response.ExpiresIn),
                    RefreshToken = response.RefreshToken,
                };
                Store(next);
                return next;
            }, new TelemetryProperties { { AuthTelemetry.Trigger, trigger } }, cancellationToken: _disposed.Token).ConfigureAwait(false);
            flight.SetResult(refreshed);
        }
        catch (Exception e)
        {
            flight.SetException(e);
        }
        finally
        {
            lock (_gate)
            {
                _refreshInFlight = null;
            }
        }
    }

    /// <summary>
    /// Asks for the password and logs in again; concurrent 401s share one prompt. Records
    /// <c>auth.login_prompted</c> with its outcome; false when the person declined or it failed.
    /// </summary>
    public Task<bool> PromptLoginAsync(string trigger, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _promptInFlight ??= RunPromptAsync(trigger);
            return _promptInFlight.WaitAsync(cancellationToken);
        }
    }

    private async Task<bool> RunPromptAsync(string trigger)
    {
        try
        {
            // Let the caller's lock go before the prompt runs.
            await Task.Yield();
            return await _telemetry.TraceAsync(AuthTelemetry.LoginPrompted, async (span, token) =>
            {
                var current = Session;
                if (_prompter is null || current.Email is null)
                {
                    span.SetProperty(AuthTelemetry.Reason, AuthTelemetry.ReasonUserDismissed);
                    span.MarkAborted();
                    return false;
                }

                var password = await _prompter.PromptPasswordAsync(current.Url, current.Email, token).ConfigureAwait(false);
                if (password is null)
                {
                    span.SetProperty(AuthTelemetry.Reason, AuthTelemetry.ReasonUserDismissed);
                    span.MarkAborted();
                    return false;
                }

                LoginResponse login;
                try
                {
                    login = await _anonymous.LoginAsync(new LoginRequest { Email = current.Email, Password = password }, token).ConfigureAwait(false);
                }
                catch (OutpostApiException e)
                {
                    Log.ReloginFailed(_logger, e.StatusCode);
                    span.SetProperty(AuthTelemetry.Reason, AuthTelemetry.ReasonAuthFailed);
                    span.MarkFailure();
                    return false;
                }

                Store(FromLogin(current.Url, current.Email, login, _time.GetUtcNow()));
                return true;
            }, new TelemetryProperties { { AuthTelemetry.Trigger, trigger } }, cancellationToken: _disposed.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _promptInFlight = null;
            }
        }
    }

    /// <summary>
    /// For long-running commands: refresh ten minutes before the access token expires (now, if
    /// that moment has passed), again after each success, every five minutes after a failure, and
    /// never again once the server says only a new login can help.
    /// </summary>
    /// <remarks>
    /// Idempotent: the first call schedules, later ones do nothing. Every long-lived stream the
    /// client opens (a watch, a followed log, a followed build) starts it through
    /// <see cref="UnauthorizedRecoveryHandler"/>; other long-running commands (ssh, port-forward)
    /// call <see cref="Hosting.AuthenticatedClient.KeepSessionFresh"/>.
    /// </remarks>
    public void StartBackgroundRefresh()
    {
        if (!CanRefresh)
        {
            return;
        }

        lock (_gate)
        {
            if (_backgroundStarted)
            {
                return;
            }

            _backgroundStarted = true;
        }

        var expiresAt = Session.AccessExpiresAt ?? _time.GetUtcNow();
        Schedule(expiresAt - RefreshAhead - _time.GetUtcNow());
    }

    private void Schedule(TimeSpan delay)
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _backgroundTimer?.Dispose();
            _backgroundTimer = _time.CreateTimer(static state => ((SessionManager)state!).OnBackgroundTimer(), this,
                delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async void OnBackgroundTimer()
    {
        // An async void timer callback: every exception is caught below, so none can reach the host.
        try
        {
            var session = await RefreshAsync(AuthTelemetry.TriggerBackground, _disposed.Token).ConfigureAwait(false);
            Schedule(session.AccessExpiresAt!.Value - RefreshAhead - _time.GetUtcNow());
        }
        catch (OutpostOAuthException e) when (e.RequiresLogin)
        {
            Log.BackgroundRefreshNeedsLogin(_logger, e.Message);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e)
        {
            Log.BackgroundRefreshFailed(_logger, e.Message);
            Schedule(RetryAfterFailure);
        }
    }

    public static StoredSession FromLogin(string url, string email, LoginResponse login, DateTimeOffset now) => new()
    {
        Url = url,
        Kind = StoredSession.PasswordKind,
        Email = email,
        Username = login.User.Username,
        AccessToken = login.AccessToken,
        AccessExpiresAt = now.AddSeconds(login.ExpiresIn),
        RefreshToken = login.RefreshToken,
        RefreshExpiresAt = now.AddSeconds(login.RefreshExpiresIn),
    };

    private void Store(StoredSession session)
    {
        lock (_gate)
        {
            _session = session;
        }

        try
        {
            _file.Save(session);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The refreshed tokens still serve this process; the next command will log in again.
            Log.SessionNotSaved(_logger, _file.Path, e.Message);
        }

        SessionChanged?.Invoke(session);
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _backgroundTimer?.Dispose();
            _backgroundTimer = null;
        }

        _disposed.Dispose();
    }
}
